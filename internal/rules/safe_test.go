package rules

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// Each safe field's worst values fit its shape, and the shape excludes what
// could break a string template.
func TestSafeFieldShapes(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range SafeFields() {
		if seen[f.Path] || !jsonPath.MatchString(f.Path) || f.What == "" {
			t.Errorf("%q: duplicate, not a JSON path, or undescribed", f.Path)
		}
		seen[f.Path] = true
		re, err := regexp.Compile(f.Shape)
		if err != nil {
			t.Errorf("%s: shape: %v", f.Path, err)
			continue
		}
		if len(f.Worst) == 0 {
			t.Errorf("%s: no worst values", f.Path)
		}
		for _, w := range f.Worst {
			if !re.MatchString(w) {
				t.Errorf("%s: worst value %q does not fit the shape %s", f.Path, w, f.Shape)
			}
		}
		for _, bad := range []string{`a"b`, `a\b`, "a\nb", "a\x00b", "", "<id>", strings.Repeat("a", 200)} {
			if re.MatchString(bad) {
				t.Errorf("%s: shape %s admits %q", f.Path, f.Shape, bad)
			}
		}
	}
	if !IsSafeField("$.detail.eventName") || IsSafeField("$.detail.userIdentity.arn") {
		t.Error("IsSafeField disagrees with the allow-list")
	}
	f := SafeFields()
	f[0].Worst[0] = "x"
	if SafeFields()[0].Worst[0] == "x" {
		t.Error("SafeFields returns the package's own slices")
	}
}

// hostileProblems renders m with every value in turn that each referenced
// field may hold (values(path)), in a copy of event, and reports each
// rendering that is not a JSON string carrying the value intact.
func hostileProblems(t *testing.T, m Message, event []byte, values func(path string) []string) []string {
	t.Helper()
	var problems []string
	r := Rule{ID: "t", Message: m}
	for k, p := range m.Paths {
		for _, v := range values(p) {
			ev := withValue(t, event, p, v)
			out, err := Render(r, ev)
			if err != nil {
				problems = append(problems, k+": "+err.Error())
				continue
			}
			var s string
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				problems = append(problems, k+"="+v+": not a JSON string: "+out)
				continue
			}
			if !strings.Contains(s, v) {
				problems = append(problems, k+"="+v+": value not carried intact: "+s)
			}
		}
	}
	return problems
}

// withValue returns event with the JSON path set to v (objects created as
// needed).
func withValue(t *testing.T, event []byte, path, v string) []byte {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(event, &root); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(strings.TrimPrefix(path, "$."), ".")
	obj := root
	for _, k := range keys[:len(keys)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	obj[keys[len(keys)-1]] = v
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hostile are values an actor could put in a field AWS does not shape.
var hostile = []string{`x" , "injected`, `a\`, `C:\new`, "line\nbreak", `</p><script>`, "<account>"}

// Every rule's message, rendered with the worst value of every field it
// references, is a valid JSON string that carries the value intact: the
// message reaches the topic and says what happened, whatever AWS put in
// those fields. Every referenced field is on the allow-list, so no value is
// the actor's choice.
func TestHostileValues(t *testing.T) {
	worst := map[string][]string{}
	for _, f := range SafeFields() {
		worst[f.Path] = f.Worst
	}
	for _, r := range All() {
		t.Run(r.ID, func(t *testing.T) {
			pos, _ := Fixtures(r.ID)
			for k, p := range r.Message.Paths {
				if _, ok := worst[p]; !ok {
					t.Errorf("path %s = %s is not on the allow-list", k, p)
				}
			}
			for _, pr := range hostileProblems(t, r.Message, pos[0].Event, func(p string) []string { return worst[p] }) {
				t.Error(pr)
			}
		})
	}
}

// The check above fails where it must: a message that carries a field the
// actor chooses (the caller's ARN, whose IAM path may hold a quote) breaks
// with a hostile value in it.
func TestHostileValuesCatchActorText(t *testing.T) {
	m := Message{Paths: map[string]string{"caller": "$.detail.userIdentity.arn"}, Template: `"called by <caller>"`}
	pos, _ := Fixtures(IDs()[0])
	problems := hostileProblems(t, m, pos[0].Event, func(string) []string { return hostile })
	if len(problems) == 0 {
		t.Error("hostile values in an actor's field rendered cleanly; the check cannot fail")
	}
	if IsSafeField(m.Paths["caller"]) {
		t.Error("the caller's ARN is on the allow-list")
	}
}
