package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// deployOrgOps is a fake organization deployed with deploy --org
// --topic-arn ops --regions us-east-1,eu-west-1 --email sec@example.com; it
// returns the organization and the topic.
func deployOrgOps(t *testing.T) (*fake.Org, string) {
	t.Helper()
	w := fakeOrg(t)
	ops, err := w.Account(orgCentral).Topics("us-east-1").CreateTopic(t.Context(), "ops-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	args := append(slices.Clone(bareOrgDeploy), "--topic-arn", ops, "--regions", "us-east-1,eu-west-1", "--email", "sec@example.com")
	if code, out, errOut := runStdin(t, w.Management(), "", false, args...); code != 0 {
		t.Fatalf("deploy --org: exit %d\n%s%s", code, out, errOut)
	}
	return w, ops
}

var bareOrgDeploy = []string{"deploy", "--org", "--central-account", orgCentral}

// centralRecordOf reads the settings recorded on the central bus.
func centralRecordOf(t *testing.T, w *fake.Org) chain.Settings {
	t.Helper()
	b, err := w.Account(orgCentral).Events("us-east-1").Bus(t.Context(), chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := chain.ReadSettings(b.Tags)
	if !ok {
		t.Fatalf("the central bus records no settings: %v", b.Tags)
	}
	return s
}

// TestDeployOrgDefaultsToRecord (issue 13 bug 3): deploy --org defaults to
// the settings deploy --org recorded on the central bus, as deploy does in
// one account. A bare deploy --org after one with --topic-arn, --regions and
// --email changes nothing (it does not re-target the alert rules to a new
// topic, widen the regions or drop the subscriber); an option given wins and
// the plan says what it takes away.
func TestDeployOrgDefaultsToRecord(t *testing.T) {
	w, ops := deployOrgOps(t)
	want := chain.Settings{TopicARN: ops, HomeRegion: "us-east-1", Regions: []string{"eu-west-1", "us-east-1"}, Emails: []string{"sec@example.com"}}

	rec := cloudtest.Record(w.Management())
	code, out, errOut := runStdin(t, rec, "", false, bareOrgDeploy...)
	if code != ExitOK || !strings.Contains(out, "accounts: 0 to change, 3 unchanged, 0 failed") || strings.Contains(out, "warning:") {
		t.Errorf("bare deploy --org: exit %d, want 0 with nothing to do\n%s%s", code, out, errOut)
	}
	if m := rec.Mutations(); len(m) > 0 {
		t.Errorf("bare deploy --org changed %q", m)
	}
	if got := centralRecordOf(t, w); !settingsEqual(got, want) {
		t.Errorf("record after a bare deploy --org: %+v, want %+v", got, want)
	}

	managed := chain.TopicARN("aws", "us-east-1", orgCentral)
	retarget := "warning: this deploy re-targets the alert rules from topic " + ops + " to topic " + managed + ": the subscribers of " + ops + " get no more alerts\n"
	narrow := "warning: this deploy narrows the regions from 2 to 1, dropping eu-west-1: status stops checking it and deploy stops repairing it (the forwarding rules stay until 'rootwatch destroy --org')\n"
	for _, tt := range []struct {
		name string
		args []string
		want string // the plan's warning line; "" for none
	}{
		{"narrower regions", []string{"--regions", "us-east-1"}, narrow},
		{"--topic-arn= goes back to the managed topic", []string{"--topic-arn="}, retarget},
		{"wider regions take nothing away", []string{"--regions", "us-east-1,eu-west-1,us-west-2"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, out, errOut := runStdin(t, w.Management(), "", true, append(slices.Clone(bareOrgDeploy), append(tt.args, "--dry-run")...)...)
			if tt.want == "" && strings.Contains(out, "warning:") || tt.want != "" && !strings.Contains(out, "\n"+tt.want) {
				t.Errorf("plan: want warning %q\n%s%s", tt.want, out, errOut)
			}
			if errOut != "" {
				t.Errorf("--dry-run asked or complained on a terminal:\n%s", errOut)
			}
		})
	}

	// The JSON plan carries the warnings.
	_, out, _ = runStdin(t, w.Management(), "", false, append(slices.Clone(bareOrgDeploy), "--dry-run", "--output", "json", "--regions", "us-east-1")...)
	var doc struct{ Warnings []string }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "dropping eu-west-1") {
		t.Errorf("JSON warnings %q (%v):\n%s", doc.Warnings, err, out)
	}

	// Without a record, the defaults, never the topic the alert rules point
	// at (whoever re-points the rules and untags the bus would choose it):
	// the plan names the re-targeting.
	if err := w.Account(orgCentral).UntagBus("us-east-1", chain.BusName, chain.RecordTags...); err != nil {
		t.Fatal(err)
	}
	_, out, errOut = runStdin(t, w.Management(), "", false, append(slices.Clone(bareOrgDeploy), "--dry-run")...)
	if !strings.Contains(out, "\n"+retarget) {
		t.Errorf("bare deploy --org without a record: want %q\n%s%s", retarget, out, errOut)
	}
}

// settingsEqual compares two records.
func settingsEqual(a, b chain.Settings) bool {
	return a.TopicARN == b.TopicARN && a.HomeRegion == b.HomeRegion && strings.Join(a.Emails, " ") == strings.Join(b.Emails, " ") && a.EmailsDigest == b.EmailsDigest &&
		strings.Join(a.Regions, ",") == strings.Join(b.Regions, ",")
}

// TestDeployOrgConfirmsNarrowing (issue 13 convention 12): a deploy --org
// that narrows the regions asks on a terminal; no refuses with nothing
// changed; --yes, no terminal and --dry-run never ask.
func TestDeployOrgConfirmsNarrowing(t *testing.T) {
	const question = "This deploy narrows the regions from 2 to 1, dropping eu-west-1"
	for _, tt := range answers {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := deployOrgOps(t)
			rec := cloudtest.Record(w.Management())
			args := append(slices.Clone(bareOrgDeploy), append([]string{"--regions", "us-east-1"}, tt.args...)...)
			code, stdout, stderr := runStdin(t, rec, tt.stdin, tt.terminal, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if asked := strings.Contains(stderr, question); asked != tt.asked {
				t.Errorf("asked = %v, want %v; stderr:\n%s", asked, tt.asked, stderr)
			}
			s := centralRecordOf(t, w)
			if narrowed := strings.Join(s.Regions, ",") == "us-east-1"; narrowed != tt.applied {
				t.Errorf("recorded regions %q, narrowed = %v, want %v", s.Regions, narrowed, tt.applied)
			}
			if !tt.applied && len(rec.Mutations()) > 0 {
				t.Errorf("not applied, but changed %q", rec.Mutations())
			}
		})
	}
}
