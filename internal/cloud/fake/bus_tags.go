package fake

import (
	"fmt"
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// maxBusTags is EventBridge's limit of tags on a bus; tags whose keys begin
// with aws: (a CloudFormation stack's) do not count.
const maxBusTags = 50

// checkBusTags refuses what EventBridge's CreateEventBus and TagResource
// refuse: a bus with more than 50 tags once tags are added to current, a key
// of 0 or more than 128 characters, a value of more than 256, or a character
// tags do not allow (letters, digits, spaces and _ . : / = + - @).
func checkBusTags(current, adding cloud.Tags) error {
	for k, v := range adding {
		switch {
		case k == "" || utf8.RuneCountInString(k) > 128:
			return fmt.Errorf("ValidationException: tag key %q must be 1 to 128 characters", k)
		case utf8.RuneCountInString(v) > 256:
			return fmt.Errorf("ValidationException: the value of tag %s is longer than 256 characters", k)
		case !tagText(k) || !tagText(v):
			return fmt.Errorf("ValidationException: tag %s=%q holds a character tags do not allow", k, v)
		}
	}
	all := maps.Clone(current)
	if all == nil {
		all = cloud.Tags{}
	}
	maps.Copy(all, adding)
	n := 0
	for k := range all {
		if !strings.HasPrefix(k, "aws:") {
			n++
		}
	}
	if n > maxBusTags {
		return fmt.Errorf("LimitExceededException: the event bus would have %d tags; at most %d are allowed", n, maxBusTags)
	}
	return nil
}

// tagText reports whether s holds only what EventBridge allows in a tag:
// ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ (a tab or a newline is not \p{Z}).
func tagText(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Z, r) && !strings.ContainsRune("_.:/=+-@", r) {
			return false
		}
	}
	return utf8.ValidString(s)
}
