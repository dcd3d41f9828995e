package selftest

import "strings"

// unknownEventID stands for the ID EventBridge assigns to the synthetic event
// when it accepts it; the local rendering cannot know it.
const unknownEventID = "00000000-0000-0000-0000-000000000000"

// sameRendering reports whether a delivered message is the rule pack's local
// rendering (want), where each unknownEventID in want may be any event ID
// (the pack's messages carry the event's EventBridge ID).
func sameRendering(got, want string) bool {
	parts := strings.Split(want, unknownEventID)
	if !strings.HasPrefix(got, parts[0]) {
		return false
	}
	got = got[len(parts[0]):]
	for _, p := range parts[1:] {
		if len(got) < len(unknownEventID) || !isEventID(got[:len(unknownEventID)]) {
			return false
		}
		got = got[len(unknownEventID):]
		if !strings.HasPrefix(got, p) {
			return false
		}
		got = got[len(p):]
	}
	return got == ""
}

// isEventID reports whether s has the shape of an EventBridge event ID.
func isEventID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		default:
			return false
		}
	}
	return len(s) == 36
}
