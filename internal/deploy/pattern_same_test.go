package deploy_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// TestPatternsComparedByMeaning: a rule whose pattern comes back re-spaced
// with its keys re-ordered (as a CloudFormation stack may leave it) is
// healthy for status and unchanged for deploy; a pattern that differs in
// meaning is a failed check and an update.
func TestPatternsComparedByMeaning(t *testing.T) {
	a := fake.New()
	deployedHealthy(t, a)
	args := append([]string{"deploy", "--email", "sec@example.com"}, settingsFlags...)
	alerts, err := a.Events("us-east-1").Rules(t.Context(), chain.BusName, chain.AlertRulePrefix)
	if err != nil || len(alerts) == 0 {
		t.Fatalf("alert rules after deploy: %v, %v", alerts, err)
	}
	rules := []struct {
		region, bus, name, check string
	}{
		{"eu-west-1", "", chain.ForwardRuleName, "forward-pattern"},
		{"us-east-1", chain.BusName, alerts[0].Name, "alert-pattern"},
	}
	rewrite := func(edit func(map[string]any)) {
		t.Helper()
		for _, r := range rules {
			ev := a.Events(r.region)
			cur, err := ev.Rule(t.Context(), r.bus, r.name)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(cur.Pattern), &m); err != nil {
				t.Fatal(err)
			}
			edit(m)
			// Marshalled from a map: keys sorted, then indented.
			b, _ := json.MarshalIndent(m, "", "   ")
			if string(b) == cur.Pattern {
				t.Fatalf("rule %s: the rewritten pattern has the same bytes", r.name)
			}
			cur.Pattern = string(b)
			if _, err := ev.PutRule(t.Context(), cur); err != nil {
				t.Fatal(err)
			}
		}
	}

	rewrite(func(map[string]any) {})
	if code, out, errs := runCLI(t, a, append([]string{"status"}, settingsFlags...)...); code != 0 {
		t.Errorf("status with re-spaced, re-ordered patterns: exit %d\n%s%s", code, out, errs)
	}
	rec := cloudtest.Record(a)
	if code, out, errs := runCLI(t, rec, args...); code != 0 || len(rec.Mutations()) != 0 || !strings.Contains(out, "nothing to do") {
		t.Errorf("deploy with re-spaced, re-ordered patterns: exit %d, mutations %v\n%s%s", code, rec.Mutations(), out, errs)
	}

	rewrite(func(m map[string]any) { m["account"] = []any{"111111111111"} })
	code, out, _ := runCLI(t, a, append([]string{"status", "--output", "json"}, settingsFlags...)...)
	for _, r := range rules {
		if code != 1 || !strings.Contains(out, r.check) || !strings.Contains(out, "pattern differs") {
			t.Errorf("status with %s narrowed: exit %d, want 1 naming %s\n%s", r.name, code, r.check, out)
		}
	}
	rec.Reset()
	if code, out, errs := runCLI(t, rec, args...); code != 0 {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errs)
	}
	if n := len(slices.DeleteFunc(rec.Mutations(), func(m string) bool { return !strings.HasPrefix(m, "PutRule ") })); n != len(rules) {
		t.Errorf("deploy after a real change: %d PutRule calls, want %d: %v", n, len(rules), rec.Mutations())
	}
	if code, out, errs := runCLI(t, a, append([]string{"status"}, settingsFlags...)...); code != 0 {
		t.Errorf("status after the repair: exit %d\n%s%s", code, out, errs)
	}
}
