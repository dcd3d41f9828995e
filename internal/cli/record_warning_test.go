package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// mallory is the address someone allowed events:TagResource on the bus adds
// to the settings record.
const mallory = "mallory@attacker.example"

// addToRecord adds addr to the e-mail list of the settings record on acct's
// us-east-1 bus, as whoever may tag the bus can (one TagResource).
func addToRecord(t *testing.T, acct cloud.Account, addr string) {
	t.Helper()
	ev := acct.Events("us-east-1")
	b, err := ev.Bus(t.Context(), chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := chain.ReadSettings(b.Tags)
	if !ok || len(s.Emails) == 0 {
		t.Fatalf("the bus records no e-mail list: %v", b.Tags)
	}
	s.Emails = append(s.Emails, addr)
	tags, err := s.TagsOn(chain.BusName, b.Tags)
	if err != nil {
		t.Fatal(err)
	}
	if err := ev.TagBus(t.Context(), chain.BusName, tags); err != nil {
		t.Fatal(err)
	}
}

// subscribed reports whether endpoint has a subscription to topic.
func subscribed(t *testing.T, acct cloud.Account, topic, endpoint string) bool {
	t.Helper()
	subs, err := acct.Topics("us-east-1").Subscriptions(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(subs, func(s cloud.Subscription) bool { return s.Endpoint == endpoint })
}

// recordedWarning is the start of the warning naming the one address addr.
func recordedWarning(addr string) string {
	return "this deploy subscribes " + addr + " to the alerts, an address recorded on the bus, not given with --email: whoever may tag the bus can add addresses to the record; check it"
}

// tamperedFake is a fake deployed with --email statusEmail (confirmed), to
// whose record mallory was then added.
func tamperedFake(t *testing.T) (*fake.Account, string) {
	t.Helper()
	a := trailedFake(t)
	mustCLI(t, a, "deploy", "--regions", "eu-west-1", "--email", statusEmail)
	topic := chain.TopicARN("aws", "us-east-1", a.ID())
	if _, err := a.ConfirmSubscription(topic, statusEmail); err != nil {
		t.Fatal(err)
	}
	addToRecord(t, a, mallory)
	return a, topic
}

// TestBareDeployWarnsRecordedAddress: a bare deploy that would subscribe an
// address taken from the settings record (here one added by tagging the
// bus) names it on a warning line of the plan and, on a terminal, asks
// first: no refuses with nothing changed; yes, --yes and no terminal
// subscribe it, as a bare deploy did before; --dry-run shows the warning
// without asking.
func TestBareDeployWarnsRecordedAddress(t *testing.T) {
	question := capitalize(recordedWarning(mallory))
	for _, tt := range answers {
		t.Run(tt.name, func(t *testing.T) {
			a, topic := tamperedFake(t)
			rec := cloudtest.Record(a)
			code, stdout, stderr := runStdin(t, rec, tt.stdin, tt.terminal, append([]string{"deploy"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, "\nwarning: "+recordedWarning(mallory)) {
				t.Errorf("the plan does not warn of %s:\n%s", mallory, stdout)
			}
			if strings.Contains(stdout+stderr, statusEmail+" to the alerts") {
				t.Errorf("the warning names %s, which is subscribed:\n%s%s", statusEmail, stdout, stderr)
			}
			if asked := strings.Contains(stderr, question); asked != tt.asked {
				t.Errorf("asked = %v, want %v; stderr:\n%s", asked, tt.asked, stderr)
			}
			if tt.code == ExitError && !strings.Contains(stderr, "rootwatch: deploy: not confirmed; nothing was changed\n") {
				t.Errorf("stderr lacks the refusal:\n%s", stderr)
			}
			m := rec.Mutations()
			if tt.applied && (len(m) != 1 || !strings.Contains(m[0], "Subscribe")) {
				t.Errorf("made %q, want one Subscribe", m)
			}
			if !tt.applied && len(m) != 0 {
				t.Errorf("not applied, but made %q", m)
			}
			if got := subscribed(t, a, topic, mallory); got != tt.applied {
				t.Errorf("%s subscribed = %v, want %v", mallory, got, tt.applied)
			}
		})
	}

	// The JSON plan carries the warning.
	a, _ := tamperedFake(t)
	_, out, _ := runStdin(t, a, "", false, "deploy", "--dry-run", "--output", "json")
	var doc struct{ Warnings []string }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Warnings) != 1 || !strings.HasPrefix(doc.Warnings[0], recordedWarning(mallory)) {
		t.Errorf("JSON warnings %q (%v):\n%s", doc.Warnings, err, out)
	}
}

// TestRecordedAddressWarningNeedsSubscribing: addresses given with --email
// never warn (the record is not read for them, and the deploy records the
// list given instead of the tampered one); a bare deploy with every recorded
// address subscribed has nothing to warn of; several addresses are named
// together.
func TestRecordedAddressWarningNeedsSubscribing(t *testing.T) {
	a, topic := tamperedFake(t)
	rec := cloudtest.Record(a)
	code, out, errOut := runStdin(t, rec, "", true, "deploy", "--email", statusEmail)
	if code != ExitOK || strings.Contains(out, "warning:") || errOut != "" {
		t.Errorf("deploy --email on a terminal: exit %d, want 0 without warning or question\n%s%s", code, out, errOut)
	}
	if subscribed(t, a, topic, mallory) {
		t.Errorf("deploy --email %s subscribed %s", statusEmail, mallory)
	}
	if m := strings.Join(rec.Mutations(), "\n"); strings.Contains(m, "Subscribe") {
		t.Errorf("deploy --email made %s", m)
	}
	b, err := a.Events("us-east-1").Bus(t.Context(), chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := chain.ReadSettings(b.Tags); !slices.Equal(s.Emails, []string{statusEmail}) {
		t.Errorf("after deploy --email the record lists %q, want only %s", s.Emails, statusEmail)
	}

	// Nothing to subscribe: no warning, no question.
	code, out, errOut = runStdin(t, a, "", true, "deploy")
	if code != ExitOK || strings.Contains(out, "warning:") || errOut != "" {
		t.Errorf("bare deploy with every recorded address subscribed: exit %d\n%s%s", code, out, errOut)
	}

	// Two added addresses are named in one warning.
	addToRecord(t, a, mallory)
	addToRecord(t, a, "eve@attacker.example")
	_, out, _ = runStdin(t, a, "", false, "deploy", "--dry-run")
	want := "\nwarning: this deploy subscribes eve@attacker.example, " + mallory + " to the alerts, addresses recorded on the bus, not given with --email: whoever may tag the bus can add addresses to the record; check them"
	if !strings.Contains(out, want) {
		t.Errorf("plan lacks %q:\n%s", want, out)
	}
}

// TestDeployOrgWarnsRecordedAddress: deploy --org reads the e-mail list from
// the central bus's record as deploy does, and warns the same way: on a
// terminal no refuses with nothing changed, --yes subscribes, the JSON plan
// carries the warning, and --email never warns.
func TestDeployOrgWarnsRecordedAddress(t *testing.T) {
	for _, tt := range []struct {
		name       string
		stdin      string
		terminal   bool
		args       []string
		code       int
		asked      bool
		subscribed bool
	}{
		{"terminal, no", "n\n", true, nil, ExitError, true, false},
		{"terminal, --yes", "", true, []string{"--yes"}, ExitOK, false, true},
		{"--email given", "", true, []string{"--email", "sec@example.com"}, ExitOK, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, ops := deployOrgOps(t)
			addToRecord(t, w.Account(orgCentral), mallory)
			rec := cloudtest.Record(w.Management())
			code, stdout, stderr := runStdin(t, rec, tt.stdin, tt.terminal, append(slices.Clone(bareOrgDeploy), tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			// deploy --org asks before it prints the plan: a refused one
			// shows the warning in its question only.
			if warned := strings.Contains(stdout, "warning: "+recordedWarning(mallory)); warned != tt.subscribed {
				t.Errorf("the plan warns = %v, want %v:\n%s", warned, tt.subscribed, stdout)
			}
			if asked := strings.Contains(stderr, capitalize(recordedWarning(mallory))); asked != tt.asked {
				t.Errorf("asked = %v, want %v; stderr:\n%s", asked, tt.asked, stderr)
			}
			if tt.code == ExitError && len(rec.Mutations()) > 0 {
				t.Errorf("not applied, but made %q", rec.Mutations())
			}
			if got := subscribed(t, w.Account(orgCentral), ops, mallory); got != tt.subscribed {
				t.Errorf("%s subscribed = %v, want %v", mallory, got, tt.subscribed)
			}
		})
	}

	w, _ := deployOrgOps(t)
	addToRecord(t, w.Account(orgCentral), mallory)
	_, out, _ := runStdin(t, w.Management(), "", false, append(slices.Clone(bareOrgDeploy), "--dry-run", "--output", "json")...)
	var doc struct{ Warnings []string }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Warnings) != 1 || !strings.HasPrefix(doc.Warnings[0], recordedWarning(mallory)) {
		t.Errorf("JSON warnings %q (%v):\n%s", doc.Warnings, err, out)
	}
}

// TestRecordedAddressShownSafely: an address whoever may tag the bus put in
// the record reaches the plan's warning and deploy's question; a
// right-to-left override in it (which net/mail accepts) is shown escaped in
// both, never acted on by the terminal.
func TestRecordedAddressShownSafely(t *testing.T) {
	const spoof = "mallory\u202eelpmaxe@attacker.example"
	a := trailedFake(t)
	mustCLI(t, a, "deploy", "--regions", "eu-west-1", "--email", statusEmail)
	addToRecord(t, a, spoof)
	code, stdout, stderr := runStdin(t, a, "n\n", true, "deploy")
	if code != ExitError {
		t.Errorf("exit %d, want %d (refused)\nstdout:\n%s\nstderr:\n%s", code, ExitError, stdout, stderr)
	}
	for name, out := range map[string]string{"plan": stdout, "question": stderr} {
		if strings.ContainsRune(out, '\u202e') || !strings.Contains(out, `mallory\u202eelpmaxe@attacker.example`) {
			t.Errorf("%s shows the address unescaped, or not at all:\n%q", name, out)
		}
	}
}
