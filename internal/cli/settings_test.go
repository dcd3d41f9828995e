package cli

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// trailedFake is a fake account with a trail that passes deploy's
// pre-flight.
func trailedFake(t *testing.T) *fake.Account {
	t.Helper()
	a := fake.NewWith(fake.Options{Now: func() time.Time { return fakeClock }})
	if err := a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	return a
}

func mustCLI(t *testing.T, a cloud.Account, args ...string) string {
	t.Helper()
	code, out, errs := runStdin(t, a, "", false, args...)
	if code != ExitOK {
		t.Fatalf("rootwatch %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// TestBareDeployKeepsRecordedSettings (issue 13, bug 3): after a deploy with
// --topic-arn, --regions, --home-region and --email, a bare deploy reads the
// record and has nothing to do: one line, exit 0, not one mutating call.
// status and test need no flags either.
func TestBareDeployKeepsRecordedSettings(t *testing.T) {
	for _, home := range []string{"us-east-1", "eu-central-1"} {
		t.Run(home, func(t *testing.T) {
			a := trailedFake(t)
			topic, err := a.Topics(home).CreateTopic(t.Context(), "ops-alerts", nil)
			if err != nil {
				t.Fatal(err)
			}
			mustCLI(t, a, "deploy", "--topic-arn", topic, "--regions", "eu-west-1", "--home-region", home, "--email", statusEmail)
			if _, err := a.ConfirmSubscription(topic, statusEmail); err != nil {
				t.Fatal(err)
			}
			rec := cloudtest.Record(a)
			code, out, errs := runStdin(t, rec, "", true, "deploy")
			if code != ExitOK || errs != "" {
				t.Fatalf("bare deploy: exit %d, stderr %q\n%s", code, errs, out)
			}
			if !strings.HasPrefix(out, "nothing to do: ") || strings.Count(out, "\n") != 1 {
				t.Errorf("bare deploy did not say 'nothing to do' in one line:\n%s", out)
			}
			if m := rec.Mutations(); len(m) != 0 {
				t.Errorf("bare deploy made mutating calls: %v", m)
			}
			if out := mustCLI(t, a, "status"); !strings.HasPrefix(out, "healthy: ") || !strings.Contains(out, "home region "+home) {
				t.Errorf("bare status:\n%s", out)
			}
			var doc struct {
				Result string
				Links  []struct{ Name, Status, Detail string }
			}
			_, out, _ = runStdin(t, a, "", false, "test", "--timeout", "1s", "--output", "json")
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("test --output json: %v\n%s", err, out)
			}
			for _, l := range doc.Links {
				if l.Name == "alert-target" && !strings.Contains(l.Detail, topic) {
					t.Errorf("bare test checked another topic: %+v", l)
				}
			}
			if doc.Result != "passed" {
				t.Errorf("bare test: result %q:\n%s", doc.Result, out)
			}
		})
	}
}

// TestDeployFlagsWinOverRecord: an option given explicitly wins over the
// record, and the plan says what it takes away: another topic, fewer
// regions, each a line of its own.
func TestDeployFlagsWinOverRecord(t *testing.T) {
	a := trailedFake(t)
	ctx := t.Context()
	ops, err := a.Topics("us-east-1").CreateTopic(ctx, "ops-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustCLI(t, a, "deploy", "--topic-arn", ops, "--regions", "eu-west-1,us-west-2", "--email", statusEmail)

	out := mustCLI(t, a, "deploy", "--dry-run", "--regions", "eu-west-1")
	want := "\nwarning: this deploy narrows the regions from 3 to 2, dropping us-west-2: status stops checking it and deploy stops repairing it (the forwarding rules stay until 'rootwatch destroy')\n"
	if !strings.Contains(out, want) || strings.Contains(out, "re-targets") {
		t.Errorf("narrowing: the plan lacks %q (or names a topic change):\n%s", want, out)
	}

	managed := chain.TopicARN("aws", "us-east-1", a.ID())
	// --topic-arn= (empty) goes back to the topic rootwatch creates.
	out = mustCLI(t, a, "deploy", "--dry-run", "--topic-arn=")
	want = "\nwarning: this deploy re-targets the alert rules from topic " + ops + " to topic " + managed + ": the subscribers of " + ops + " get no more alerts\n"
	if !strings.Contains(out, want) || strings.Contains(out, "narrows") {
		t.Errorf("topic change: the plan lacks %q (or names a narrowing):\n%s", want, out)
	}

	// Wider regions take nothing away: no warning.
	if out := mustCLI(t, a, "deploy", "--dry-run", "--regions", "eu-west-1,us-west-2,eu-central-1"); strings.Contains(out, "warning:") {
		t.Errorf("widening warns:\n%s", out)
	}
	// The JSON plan carries the warnings too.
	out = mustCLI(t, a, "deploy", "--dry-run", "--output", "json", "--regions", "eu-west-1")
	var doc struct{ Warnings []string }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "dropping us-west-2") {
		t.Errorf("JSON warnings %q (%v):\n%s", doc.Warnings, err, out)
	}

	// Applied, the narrower regions are the new record, and a bare deploy
	// has nothing to do.
	mustCLI(t, a, "deploy", "--regions", "eu-west-1")
	if out := mustCLI(t, a, "deploy"); !strings.HasPrefix(out, "nothing to do: ") {
		t.Errorf("bare deploy after narrowing:\n%s", out)
	}
	b, err := a.Events("us-east-1").Bus(ctx, chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := chain.ReadSettings(b.Tags); s.TopicARN != ops || strings.Join(s.Regions, ",") != "eu-west-1" {
		t.Errorf("record after narrowing: %+v", s)
	}

	// --regions all goes back to every enabled region: wider, no warning,
	// and recorded as every region (nil), not as today's list.
	if out := mustCLI(t, a, "deploy", "--regions", "all"); strings.Contains(out, "warning:") {
		t.Errorf("deploy --regions all warns:\n%s", out)
	}
	b, err = a.Events("us-east-1").Bus(ctx, chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := chain.ReadSettings(b.Tags); s.Regions != nil {
		t.Errorf("record after --regions all: %+v", s)
	}
	if _, out, _ := runStdin(t, a, "", false, "status", "--regions", "all"); !strings.Contains(out, ", 6 regions)") {
		t.Errorf("status --regions all:\n%s", out)
	}
}

// TestDeployConfirmsNarrowing (convention 12): a deploy that narrows the
// regions asks on a terminal; no asks refuses with nothing changed; --yes,
// no terminal and --dry-run never ask.
func TestDeployConfirmsNarrowing(t *testing.T) {
	const question = "This deploy narrows the regions from 3 to 2, dropping us-west-2"
	for _, tt := range answers {
		t.Run(tt.name, func(t *testing.T) {
			a := trailedFake(t)
			mustCLI(t, a, "deploy", "--regions", "eu-west-1,us-west-2", "--email", statusEmail)
			code, stdout, stderr := runStdin(t, a, tt.stdin, tt.terminal, append([]string{"deploy", "--regions", "eu-west-1"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if asked := strings.Contains(stderr, question); asked != tt.asked {
				t.Errorf("asked = %v, want %v; stderr:\n%s", asked, tt.asked, stderr)
			}
			b, err := a.Events("us-east-1").Bus(t.Context(), chain.BusName)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := chain.ReadSettings(b.Tags)
			if narrowed := strings.Join(s.Regions, ",") == "eu-west-1"; narrowed != tt.applied {
				t.Errorf("recorded regions %q, narrowed = %v, want %v", s.Regions, narrowed, tt.applied)
			}
		})
	}
}

// TestSeveralHomeRegions: two deployments with different home regions and
// no --home-region: the commands do not guess.
func TestSeveralHomeRegions(t *testing.T) {
	a := trailedFake(t)
	mustCLI(t, a, "deploy", "--home-region", "eu-west-1", "--regions", "eu-west-1")
	mustCLI(t, a, "deploy", "--home-region", "us-west-2", "--regions", "us-west-2")
	for _, cmd := range []string{"deploy", "status", "test"} {
		code, out, errs := runStdin(t, a, "", false, cmd)
		if code != ExitError || !strings.Contains(errs, "rootwatch is deployed with home regions eu-west-1 and us-west-2: say which with --home-region") {
			t.Errorf("%s: exit %d\n%s%s", cmd, code, out, errs)
		}
	}
	if out := mustCLI(t, a, "deploy", "--home-region", "us-west-2"); !strings.HasPrefix(out, "nothing to do: ") {
		t.Errorf("deploy --home-region us-west-2:\n%s", out)
	}
}

// TestStoppedDeployHint: a deploy that stops before the bus records its
// settings says to run it again with them (a bare deploy would not know
// them yet).
func TestStoppedDeployHint(t *testing.T) {
	a := trailedFake(t)
	ops, err := a.Topics("us-east-1").CreateTopic(t.Context(), "ops-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := cloudtest.Record(a)
	rec.FailMutation(1)
	code, out, errs := runStdin(t, rec, "", false, "deploy", "--topic-arn", ops, "--regions", "eu-west-1", "--email", statusEmail)
	want := "run 'rootwatch deploy --topic-arn " + ops + " --regions eu-west-1 --email " + statusEmail + "' again to continue from there"
	if code != ExitError || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr lacks %q:\n%s%s", code, want, out, errs)
	}
}

// TestConfirmRecordedTopic: confirm with a bare token confirms on the topic
// deploy recorded (a --topic-arn deployment), as the other commands default
// to it.
func TestConfirmRecordedTopic(t *testing.T) {
	a := trailedFake(t)
	ops, err := a.Topics("us-east-1").CreateTopic(t.Context(), "ops-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustCLI(t, a, "deploy", "--topic-arn", ops, "--email", statusEmail)
	out := mustCLI(t, a, "confirm", a.SubscriptionToken(ops, statusEmail))
	if !strings.Contains(out, "confirmed "+ops+":") {
		t.Errorf("confirm did not confirm on the recorded topic:\n%s", out)
	}
}

// deniedRegion is an account in which every EventBridge call in one region
// is refused, as a service control policy that denies a region does.
type deniedRegion struct {
	cloud.Account
	region string
}

func (a deniedRegion) Events(region string) cloud.Events {
	if region == a.region {
		return deniedEvents{a.Account.Events(region)}
	}
	return a.Account.Events(region)
}

type deniedEvents struct{ cloud.Events }

func (deniedEvents) Bus(context.Context, string) (cloud.Bus, error) {
	return cloud.Bus{}, errors.New("AccessDeniedException: explicit deny in a service control policy")
}

// TestRecordFoundPastDeniedRegion: looking for the home region's record, a
// region that cannot be read is passed over; with --home-region, a refusal
// there is an error.
func TestRecordFoundPastDeniedRegion(t *testing.T) {
	a := trailedFake(t)
	mustCLI(t, a, "deploy", "--home-region", "eu-central-1", "--regions", "eu-central-1", "--email", statusEmail)
	if _, err := a.ConfirmSubscription(chain.TopicARN("aws", "eu-central-1", a.ID()), statusEmail); err != nil {
		t.Fatal(err)
	}
	denied := deniedRegion{Account: a, region: "ap-southeast-2"}
	if out := mustCLI(t, denied, "status"); !strings.HasPrefix(out, "healthy: ") || !strings.Contains(out, "home region eu-central-1") {
		t.Errorf("status past a denied region:\n%s", out)
	}
	code, out, errs := runStdin(t, deniedRegion{Account: a, region: "eu-central-1"}, "", false, "status", "--home-region", "eu-central-1")
	if code != ExitError || !strings.Contains(errs, "read the recorded settings in eu-central-1: AccessDeniedException") {
		t.Errorf("denied home region: exit %d\n%s%s", code, out, errs)
	}
}

// unrecordedBus hides the recorded settings on every bus: a deployment made
// before deploy recorded them.
type unrecordedBus struct{ cloud.Account }

func (a unrecordedBus) Events(region string) cloud.Events {
	return unrecordedEvents{a.Account.Events(region)}
}

type unrecordedEvents struct{ cloud.Events }

func (e unrecordedEvents) Bus(ctx context.Context, name string) (cloud.Bus, error) {
	b, err := e.Events.Bus(ctx, name)
	tags := cloud.Tags{}
	for k, v := range b.Tags {
		if !strings.HasPrefix(k, "rootwatch:") || k == cloud.ManagedTag || k == cloud.VersionTag {
			tags[k] = v
		}
	}
	b.Tags = tags
	return b, err
}

// TestUnrecordedDeployment: for a deployment older than the record (or whose
// record someone removed), no command adopts the topic the alert rules send
// to (whoever re-points the rules and untags the bus would choose it): status
// names it in a settings-record WARN, a bare deploy says it would re-target
// the rules and asks, and deploy with the topic given is a no-op.
func TestUnrecordedDeployment(t *testing.T) {
	a := trailedFake(t)
	ops, err := a.Topics("us-east-1").CreateTopic(t.Context(), "ops-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustCLI(t, a, "deploy", "--topic-arn", ops, "--email", statusEmail)
	old := unrecordedBus{a}
	code, out, errs := runStdin(t, old, "n\n", true, "deploy")
	if code != ExitError || !strings.Contains(out, "\nwarning: this deploy re-targets the alert rules from topic "+ops+" to topic ") ||
		!strings.Contains(errs, "Go on? [y/N] rootwatch: deploy: not confirmed; nothing was changed") {
		t.Errorf("bare deploy of an unrecorded deployment: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runStdin(t, old, "", false, "status")
	if code != ExitReport || !strings.Contains(out, "settings-record") || !strings.Contains(out, ops) {
		t.Errorf("status of an unrecorded deployment: exit %d, want the settings-record WARN naming %s\n%s%s", code, ops, out, errs)
	}
	code, out, errs = runStdin(t, old, "", true, "deploy", "--topic-arn", ops)
	if code != ExitOK || strings.Contains(out, "warning:") || strings.Contains(out, "event-target") || errs != "" {
		t.Errorf("deploy --topic-arn of an unrecorded deployment: exit %d\n%s%s", code, out, errs)
	}
}
