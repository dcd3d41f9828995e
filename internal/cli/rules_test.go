package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// runCLI runs rootwatch with args and returns the exit code and output.
func runCLI(t *testing.T, connect cloud.Connector, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Connect: connect}
	code = Main(env, args)
	return code, out.String(), errb.String()
}

const (
	rootSignInPattern = `{"detail-type":["AWS Console Sign In via CloudTrail"],"detail":{"userIdentity":{"type":["Root"]}}}`
	// A CloudTrail record (not an event): root signs in.
	rootSignInRecord = `{"eventVersion":"1.09","userIdentity":{"type":"Root","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"},"eventTime":"2026-10-14T09:10:02Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"},"eventID":"5d2c3d3e-0000-4000-8000-000000000001","eventType":"AwsConsoleSignIn","recipientAccountId":"123456789012"}`
	// An EventBridge event: an IAM user named root signs in.
	iamUserRootEvent = `{"version":"0","id":"1","detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","account":"123456789012","time":"2026-10-14T09:10:02Z","region":"us-east-1","resources":[],"detail":{"userIdentity":{"type":"IAMUser","userName":"root"},"eventName":"ConsoleLogin"}}`
)

func TestRulesCommand(t *testing.T) {
	code, out, errs := runCLI(t, nil, "", "rules")
	if code != ExitOK || errs != "" {
		t.Fatalf("rules: exit %d, stderr %q", code, errs)
	}
	for _, r := range rules.All() {
		if !strings.Contains(out, r.ID) || !strings.Contains(out, string(r.Severity)) {
			t.Errorf("rules lists no line for %s", r.ID)
		}
	}

	code, out, _ = runCLI(t, nil, "", "rules", "--output", "json")
	var got []struct {
		ID      string          `json:"id"`
		Pattern json.RawMessage `json:"pattern"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &got) != nil || len(got) != len(rules.All()) {
		t.Fatalf("rules --output json: exit %d, %d rules, output %.200s", code, len(got), out)
	}
	for i, r := range rules.All() {
		var c bytes.Buffer
		json.Compact(&c, got[i].Pattern)
		if got[i].ID != r.ID || c.String() != r.Pattern {
			t.Errorf("rule %d: %s %s, want %s %s", i, got[i].ID, c.String(), r.ID, r.Pattern)
		}
	}

	r := rules.All()[0]
	code, out, _ = runCLI(t, nil, "", "rules", "show", r.ID)
	if code != ExitOK || !strings.Contains(out, r.Message.Template) || !strings.Contains(out, `"detail-type": [`) {
		t.Errorf("rules show: exit %d, output:\n%s", code, out)
	}
	code, out, _ = runCLI(t, nil, "", "rules", "show", r.ID, "--output", "json")
	if code != ExitOK || !json.Valid([]byte(out)) || !strings.Contains(out, `"id": "`+r.ID+`"`) {
		t.Errorf("rules show --output json: exit %d, output:\n%s", code, out)
	}

	code, _, errs = runCLI(t, nil, "", "rules", "show", "root-no-such-thing")
	if code != ExitError || !strings.Contains(errs, `unknown rule "root-no-such-thing"`) || !strings.Contains(errs, "rootwatch rules") {
		t.Errorf("unknown rule: exit %d, stderr %q", code, errs)
	}
	for _, args := range [][]string{{"rules", "show"}, {"rules", "frobnicate"}, {"rules", "show", "a", "b"}, {"rules", "--output", "csv"}} {
		if code, _, _ := runCLI(t, nil, "", args...); code != ExitError {
			t.Errorf("%v: exit %d, want %d", args, code, ExitError)
		}
	}
}

// bridgedNote is the informational line (stderr) for a CloudTrail record.
const bridgedNote = "rootwatch: the event is a CloudTrail record, evaluated as the EventBridge event AWS would deliver for it\n"

func TestPatternTestLocal(t *testing.T) {
	dir := t.TempDir()
	patFile := filepath.Join(dir, "p.json")
	if err := os.WriteFile(patFile, []byte(rootSignInPattern), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		stdin      string
		args       []string
		code       int
		stdout     string // substring
		stderr     string // substring
		wantStderr bool
	}{
		{"record bridged, match", "", []string{"--pattern", patFile, "--event", rootSignInRecord}, ExitOK, "match", bridgedNote, true},
		{"event, no match", "", []string{"--pattern", rootSignInPattern, "--event", iamUserRootEvent}, ExitReport, "no match", "", false},
		{"stdin event", rootSignInRecord, []string{"--pattern", rootSignInPattern, "--event", "-"}, ExitOK, "match\n", bridgedNote, true},
		{"json output", "", []string{"--pattern", rootSignInPattern, "--event", iamUserRootEvent, "--output", "json"}, ExitReport, `"match": false`, "", false},
		{"invalid pattern names the path", "", []string{"--pattern", `{"detail":{"userIdentity":{"type":"Root"}}}`, "--event", iamUserRootEvent}, ExitError, "", "detail.userIdentity.type", true},
		{"invalid pattern operator", "", []string{"--pattern", `{"source":[{"prefixx":"aws."}]}`, "--event", iamUserRootEvent}, ExitError, "", "invalid pattern", true},
		{"event not JSON", "", []string{"--pattern", rootSignInPattern, "--event", `{"a":`}, ExitError, "", "invalid event", true},
		{"event neither", "", []string{"--pattern", rootSignInPattern, "--event", `{"a":1}`}, ExitError, "", "neither an EventBridge event", true},
		{"missing file", "", []string{"--pattern", filepath.Join(dir, "nope.json"), "--event", iamUserRootEvent}, ExitError, "", "read pattern", true},
		{"missing flag", "", []string{"--pattern", rootSignInPattern}, ExitError, "", "needs both", true},
		{"two stdins", "", []string{"--pattern", "-", "--event", "-"}, ExitError, "", "only one", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tt.stdin, append([]string{"pattern", "test"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stdout %q, stderr %q)", code, tt.code, out, errs)
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout %q does not contain %q", out, tt.stdout)
			}
			if tt.wantStderr && !strings.Contains(errs, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", errs, tt.stderr)
			}
			if !tt.wantStderr && errs != "" {
				t.Errorf("unexpected stderr %q", errs)
			}
		})
	}
	if code, _, _ := runCLI(t, nil, "", "pattern"); code != ExitError {
		t.Errorf("pattern without test: exit %d", code)
	}
}

// stubAccount is an account whose EventBridge answers TestPattern as told; the
// rest of cloud.Account is not used by `pattern test`.
type stubAccount struct {
	cloud.Account
	events stubEvents
}

func (a *stubAccount) Events(region string) cloud.Events { a.events.region = region; return &a.events }

type stubEvents struct {
	cloud.Events
	region string
	match  bool
	err    error
	calls  int
}

func (e *stubEvents) TestPattern(ctx context.Context, pattern, event string) (bool, error) {
	e.calls++
	return e.match, e.err
}

// `pattern test --aws` against accounts that answer in each way an endpoint can.
// The moto-backed run is the testscript cmd/rootwatch/testdata/script/pattern_aws.txtar.
func TestPatternTestAWS(t *testing.T) {
	args := []string{"pattern", "test", "--aws", "--region", "eu-west-1", "--pattern", rootSignInPattern, "--event", rootSignInRecord}

	t.Run("in-memory fake with AWS's semantics agrees", func(t *testing.T) {
		connect := func(context.Context, cloud.Config) (cloud.Account, error) { return fake.New(), nil }
		code, out, errs := runCLI(t, connect, "", args...)
		if code != ExitOK || !strings.Contains(out, "rootwatch: match") || !strings.Contains(out, "aws:       match") || errs != bridgedNote {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
		}
	})
	t.Run("unsupported: local answer, labelled", func(t *testing.T) {
		acct := &stubAccount{events: stubEvents{err: fmt.Errorf("test event pattern: empty answer: %w", cloud.ErrUnsupported)}}
		connect := func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil }
		code, out, errs := runCLI(t, connect, "", args...)
		if code != ExitOK || !strings.Contains(out, "aws:       no usable answer") || !strings.Contains(out, "result:    match (rootwatch's local answer") || errs != bridgedNote {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
		}
		if acct.events.calls != 1 || acct.events.region != "eu-west-1" {
			t.Errorf("TestPattern called %d times in %q", acct.events.calls, acct.events.region)
		}
	})
	t.Run("disagreement: the endpoint decides, loudly", func(t *testing.T) {
		acct := &stubAccount{events: stubEvents{match: false}}
		connect := func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil }
		code, out, errs := runCLI(t, connect, "", args...)
		if code != ExitReport || !strings.Contains(out, "DISAGREE") || !strings.Contains(errs, "disagree") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
		}
	})
	t.Run("endpoint error", func(t *testing.T) {
		acct := &stubAccount{events: stubEvents{err: errors.New("InvalidEventPatternException: Event pattern is not valid")}}
		connect := func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil }
		code, out, errs := runCLI(t, connect, "", args...)
		if code != ExitError || !strings.Contains(errs, "InvalidEventPatternException") || !strings.Contains(out, "rootwatch: match") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
		}
	})
	t.Run("cannot connect", func(t *testing.T) {
		connect := func(context.Context, cloud.Config) (cloud.Account, error) { return nil, errors.New("no credentials") }
		code, _, errs := runCLI(t, connect, "", args...)
		if code != ExitError || !strings.Contains(errs, "no credentials") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("without --aws, AWS is not called", func(t *testing.T) {
		connect := func(context.Context, cloud.Config) (cloud.Account, error) {
			t.Error("connected without --aws")
			return nil, errors.New("no")
		}
		if code, _, _ := runCLI(t, connect, "", args[0], args[1], "--pattern", rootSignInPattern, "--event", rootSignInRecord); code != ExitOK {
			t.Errorf("exit %d", code)
		}
	})
}

// Every rule's positive fixtures match through the CLI, bridged or not.
func TestPatternTestOnPack(t *testing.T) {
	for _, r := range rules.All() {
		pos, neg := rules.Fixtures(r.ID)
		for _, f := range pos {
			if code, out, errs := runCLI(t, nil, "", "pattern", "test", "--pattern", r.Pattern, "--event", string(f.Event)); code != ExitOK {
				t.Errorf("%s/%s: exit %d %s %s", r.ID, f.Name, code, out, errs)
			}
		}
		for _, f := range neg {
			if code, _, _ := runCLI(t, nil, "", "pattern", "test", "--pattern", r.Pattern, "--event", string(f.Event)); code != ExitReport {
				t.Errorf("negative %s/%s: exit %d", r.ID, f.Name, code)
			}
		}
	}
}
