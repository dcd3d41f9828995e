package selftest

import "testing"

func TestSameRendering(t *testing.T) {
	want := `"signed in (TEST x). EventBridge event ID ` + unknownEventID + `"`
	tests := []struct {
		got  string
		same bool
	}{
		{`"signed in (TEST x). EventBridge event ID 8ff34739-0009-4009-803f-000000000009"`, true},
		{want, true},
		{`"signed in (TEST x). EventBridge event ID 8ff34739-0009-4009-803f-00000000000"`, false},
		{`"signed in (TEST y). EventBridge event ID 8ff34739-0009-4009-803f-000000000009"`, false},
		{`"signed in (TEST x). EventBridge event ID 8ff34739-0009-4009-803f-000000000009" `, false},
		{`"signed in (TEST x). EventBridge event ID 8FF34739-0009-4009-803f-000000000009"`, false},
		{`"signed in (TEST x). EventBridge event ID 8ff34739x0009-4009-803f-000000000009"`, false},
	}
	for _, tt := range tests {
		if got := sameRendering(tt.got, want); got != tt.same {
			t.Errorf("sameRendering(%s) = %v, want %v", tt.got, got, tt.same)
		}
	}
	if !sameRendering(`"no id"`, `"no id"`) || sameRendering(`"no id"`, `"no ID"`) {
		t.Error("without an ID, sameRendering is not equality")
	}
}
