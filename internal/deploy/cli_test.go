package deploy_test

// Tests through the command line (cli.Main with buffers and the fake), in an
// external package because internal/cli imports deploy.

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cli"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// runCLI runs rootwatch with args against acct and returns exit code, stdout, stderr.
func runCLI(t *testing.T, acct cloud.Account, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(&cli.Env{
		Stdout:  &out,
		Stderr:  &errb,
		Connect: func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil },
	}, args)
	return code, out.String(), errb.String()
}

func newAccount(t *testing.T) *fake.Account {
	a := fake.New()
	// A trail that passes the pre-flight check (as fake.PutTrail records it).
	if err := a.PutTrail(cloud.Trail{Name: "org", HomeRegion: "us-east-1", Bucket: "org-logs", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCLIDeploy: the plan table, --dry-run making no mutating call, the
// pending-subscription advice, "nothing to do" on the second run, JSON output,
// and destroy.
func TestCLIDeploy(t *testing.T) {
	a := newAccount(t)
	rec := cloudtest.Record(a)
	args := []string{"deploy", "--regions", "eu-west-1,us-west-2", "--email", "alice@example.com"}

	code, out, errs := runCLI(t, rec, append(args, "--dry-run")...)
	if code != 0 || len(rec.Mutations()) != 0 {
		t.Fatalf("deploy --dry-run: exit %d, mutations %v\n%s%s", code, rec.Mutations(), out, errs)
	}
	for _, want := range []string{"ACTION", "create", "event-rule", "rootwatch-forward", "sns-topic-policy", "+ ", chain.TopicStatementSid, "dry run: nothing was changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out)
		}
	}

	code, out, errs = runCLI(t, rec, args...)
	if code != 0 {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"applied ", "alice@example.com: check your inbox", "Confirm subscription"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}

	rec.Reset()
	code, out, _ = runCLI(t, rec, args...)
	if code != 0 || len(rec.Mutations()) != 0 || !strings.Contains(out, "nothing to do: ") {
		t.Fatalf("second deploy: exit %d, mutations %v\n%s", code, rec.Mutations(), out)
	}

	code, out, _ = runCLI(t, rec, append(args, "--output", "json")...)
	var rep deploy.JSONReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Command != "deploy" || len(rep.Changes) == 0 || rep.Applied != 0 || rep.Account != a.ID() {
		t.Fatalf("deploy --output json: exit %d\n%s", code, out)
	}
	for _, c := range rep.Changes {
		if c.Action != deploy.Unchanged && c.Action != deploy.Keep {
			t.Errorf("second deploy JSON lists a change: %+v", c)
		}
	}

	code, out, _ = runCLI(t, rec, "destroy", "--dry-run")
	if code != 0 || len(rec.Mutations()) != 0 || !strings.Contains(out, "delete") {
		t.Fatalf("destroy --dry-run: exit %d, mutations %v\n%s", code, rec.Mutations(), out)
	}
	code, out, errs = runCLI(t, rec, "destroy")
	if code != 0 {
		t.Fatalf("destroy: exit %d\n%s%s", code, out, errs)
	}
	rec.Reset()
	code, out, _ = runCLI(t, rec, "destroy")
	if code != 0 || len(rec.Mutations()) != 0 || !strings.Contains(out, "nothing to do") {
		t.Fatalf("second destroy: exit %d, mutations %v\n%s", code, rec.Mutations(), out)
	}
}

// TestCLIErrors: bad input exits 2 with "rootwatch: ..." and a hint, and
// changes nothing.
func TestCLIErrors(t *testing.T) {
	a := newAccount(t)
	rec := cloudtest.Record(a)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"deploy", "--email", "bob"}, `rootwatch: deploy: --email "bob" is not a plain e-mail address`},
		{[]string{"deploy", "--regions", "eu-west-9"}, `region "eu-west-9" is unknown or not enabled`},
		{[]string{"deploy", "--topic-arn", "arn:aws:sns:us-east-1:111122223333:x"}, "belongs to account 111122223333"},
		{[]string{"deploy", "--topic-arn", "arn:aws:sns:eu-west-1:" + a.ID() + ":x"}, "not in the home region us-east-1"},
		{[]string{"deploy", "--output", "yaml"}, `--output "yaml"`},
		{[]string{"deploy", "extra"}, "takes no arguments"},
	} {
		code, _, errs := runCLI(t, rec, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "rootwatch: hint: ") {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant %q and a hint", tc.args, code, errs, tc.want)
		}
	}
	if m := rec.Mutations(); len(m) != 0 {
		t.Fatalf("mutating calls: %v", m)
	}

	// No trail: exit 2, what is missing, and the --create-trail hint.
	code, _, errs := runCLI(t, cloudtest.Record(fake.New()), "deploy")
	if code != 2 || !strings.Contains(errs, "no CloudTrail trail") || !strings.Contains(errs, "hint: ") || !strings.Contains(errs, "--create-trail") {
		t.Fatalf("deploy without a trail: exit %d\n%s", code, errs)
	}
}

// TestCLIApplyFailure: a failed change stops deploy with exit 2, says which
// change failed after how many, and hints to run it again with its settings
// (the bus may not record them yet), which finishes.
func TestCLIApplyFailure(t *testing.T) {
	a := newAccount(t)
	rec := cloudtest.Record(a)
	rec.FailMutation(5)
	code, out, errs := runCLI(t, rec, "deploy", "--regions", "eu-west-1")
	if code != 2 || !strings.Contains(errs, "(after 4 changes applied): ") || !strings.Contains(errs, "injected failure") ||
		!regexp.MustCompile(`rootwatch: hint: 4 of \d+ changes applied before it stopped; run 'rootwatch deploy --regions eu-west-1' again`).MatchString(errs) ||
		!regexp.MustCompile(`\nstopped: applied 4 of \d+ changes\n`).MatchString(out) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	t.Logf("stderr of the failed deploy:\n%s", errs)
	rec.Reset()
	code, out, errs = runCLI(t, rec, "deploy", "--regions", "eu-west-1")
	if code != 0 || !strings.Contains(out, "applied ") {
		t.Fatalf("deploy again: exit %d\n%s%s", code, out, errs)
	}
}
