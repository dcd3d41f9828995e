package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/ctgen"
)

const sampleArchive = "../../testdata/sample-archive"

func runMain(t *testing.T, terminal bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(&Env{Stdout: &out, Stderr: &errb, StderrTerminal: terminal, Now: func() time.Time { return time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC) }}, args)
	return code, out.String(), errb.String()
}

// TestScanExitCodes: 0 without findings, 1 with findings, 2 on bad usage or
// errors without findings, 3 with findings and errors (findings still printed).
func TestScanExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json.gz")
	os.WriteFile(bad, []byte("\x1f\x8bnot really gzip"), 0o644)
	for _, tt := range []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings
		stderr   []string
		noStdout bool
	}{
		{"findings", []string{"scan", sampleArchive}, ExitReport,
			[]string{"TIME ", "ACCOUNT", "KIND", "SOURCE IP", "root-console-signin-no-mfa", "root-assume-root", "111111111111"},
			[]string{"scanned 56 files", " of CloudTrail) in ", "findings: 14 (", "root-api-call 1", "errors: 0"}, false},
		{"no findings", []string{"scan", "--accounts", "218007301253", sampleArchive}, ExitOK,
			nil, []string{"scanned 55 files", ", 3.5 MB of CloudTrail) in ", "findings: 0\n", "errors: 0"}, true},
		{"findings and errors", []string{"scan", sampleArchive, bad}, ExitReportAndError,
			[]string{"root-console-signin-mfa"}, []string{"rootwatch: scan: " + bad + ": offset 0: gzip: invalid header\n", "findings: 14 (", "errors: 1"}, false},
		{"json", []string{"scan", "--output", "json", sampleArchive}, ExitReport,
			[]string{`{"time":"2023-07-10T12:`, `"kind":"root-close-account"`, `"record":{"eventVersion":`}, nil, false},
		{"csv", []string{"--output", "csv", "scan", sampleArchive}, ExitReport,
			[]string{"time,account,region,kind,event,source_ip,mfa,result,event_id,arn,source,offset\n", ",root-mfa-change,"}, nil, false},
		{"window", []string{"scan", "--since", "2023-07-10T12:00:00Z", "--until", "2023-07-10T12:41:00Z", sampleArchive}, ExitReport,
			nil, []string{"findings: "}, false},
		{"nothing to scan", []string{"scan"}, ExitError, nil, []string{"rootwatch: scan: give --lookup, or PATHs or s3:// URLs to scan", "hint:"}, true},
		{"bad since", []string{"scan", "--since", "yesterday", sampleArchive}, ExitError, nil, []string{`--since: "yesterday" is not a duration`}, true},
		{"until before since", []string{"scan", "--since", "2024-03-02", "--until", "2024-03-01", sampleArchive}, ExitError, nil, []string{"is before --since"}, true},
		{"bad output", []string{"scan", "--output", "yaml", sampleArchive}, ExitError, nil, []string{`--output "yaml" is not one of table, json, csv`}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, false, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", code, tt.code, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if tt.noStdout && stdout != "" {
				t.Errorf("stdout: %s", stdout)
			}
			if strings.Contains(stderr, "scanning:") {
				t.Errorf("progress line on a stderr that is not a terminal")
			}
		})
	}
}

func TestScanProgressOnTerminal(t *testing.T) {
	code, _, stderr := runMain(t, true, "scan", sampleArchive)
	if code != ExitReport {
		t.Errorf("exit code %d", code)
	}
	if !strings.Contains(stderr, "\r\033[Kscanning: 56/56 files, ") || !strings.Contains(stderr, " uncompressed, ") {
		t.Errorf("no progress line: %q", stderr)
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in        string
		endOfDay  bool
		want      time.Time
		wantError bool
	}{
		{"", false, time.Time{}, false},
		{"90d", false, now.AddDate(0, 0, -90), false},
		{"36h", false, now.Add(-36 * time.Hour), false},
		{"2024-03-01", false, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{"2024-03-01", true, time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond), false},
		{"2024-03-01T10:00:00+02:00", false, time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC), false},
		{"-3d", false, time.Time{}, true},
		{"soon", false, time.Time{}, true},
	} {
		got, err := parseWhen(tt.in, now, tt.endOfDay)
		if (err != nil) != tt.wantError || !got.Equal(tt.want) {
			t.Errorf("parseWhen(%q, %v) = %v, %v; want %v (error %v)", tt.in, tt.endOfDay, got, err, tt.want, tt.wantError)
		}
	}
}

// TestScanLookup runs scan --lookup end to end against the in-memory fake
// (moto has no LookupEvents; internal/scan tests paging and throttling).
func TestScanLookup(t *testing.T) {
	acct := fake.NewWith(fake.Options{Regions: []string{"eu-west-1", "us-east-1"}})
	now := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	g := ctgen.New(3, 3)
	acct.AddEvents("us-east-1", string(g.Root(ctgen.ConsoleSignInNoMFA, now.Add(-24*time.Hour), fake.DefaultAccount, "us-east-1")))
	acct.AddEvents("eu-west-1", string(g.Background(now.Add(-time.Hour), fake.DefaultAccount, "eu-west-1")))
	// Older than the default 90 days: not reported.
	acct.AddEvents("us-east-1", string(g.Root(ctgen.APICall, now.Add(-100*24*time.Hour), fake.DefaultAccount, "us-east-1")))
	var out, errb bytes.Buffer
	code := Main(&Env{Stdout: &out, Stderr: &errb, Now: func() time.Time { return now },
		Connect: func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil }}, []string{"scan", "--lookup"})
	if code != ExitReport {
		t.Errorf("exit code %d, want %d\n%s", code, ExitReport, errb.String())
	}
	if !strings.Contains(out.String(), " root-console-signin-no-mfa ") || strings.Contains(out.String(), "root-api-call") {
		t.Errorf("stdout:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "2 events of the event history in") || !strings.Contains(errb.String(), "findings: 1 (root-console-signin-no-mfa 1)") {
		t.Errorf("stderr:\n%s", errb.String())
	}
}

// TestScanNothingReadS3: a mistyped S3 prefix reads nothing, and the scan
// says so with the layout CloudTrail writes (exit 2), not "all clear"; the
// right prefix finds the event.
func TestScanNothingReadS3(t *testing.T) {
	acct := fake.New()
	ctx := context.Background()
	if err := acct.Buckets().CreateBucket(ctx, "trail-bucket", "us-east-1", "", nil); err != nil {
		t.Fatal(err)
	}
	key := "org/AWSLogs/123456789012/CloudTrail/us-east-1/2026/10/14/123456789012_CloudTrail_us-east-1_20261014T0915Z_abc.json"
	if err := acct.PutObject("trail-bucket", key, []byte(`{"Records":[`+rootSignInRecord+`]}`)); err != nil {
		t.Fatal(err)
	}
	connect := func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil }
	code, out, errs := runCLI(t, connect, "", "scan", "s3://trail-bucket/orgs/")
	if code != ExitError || out != "" ||
		!strings.Contains(errs, "rootwatch: scan: nothing was read: no CloudTrail log files found under s3://trail-bucket/orgs/\n") ||
		!strings.Contains(errs, "rootwatch: hint: check the bucket and prefix: CloudTrail writes to s3://BUCKET/[PREFIX/]AWSLogs/") {
		t.Errorf("mistyped prefix: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	code, out, errs = runCLI(t, connect, "", "scan", "s3://trail-bucket/org/")
	if code != ExitReport || !strings.Contains(out, "root-console-signin-no-mfa") {
		t.Errorf("right prefix: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// TestScanJSONLines: `scan DIR --output json` (options after the path)
// prints JSON lines only, one finding per line, what `| jq` reads.
func TestScanJSONLines(t *testing.T) {
	code, stdout, _ := runMain(t, false, "scan", sampleArchive, "--output", "json")
	if code != ExitReport {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 14 {
		t.Fatalf("%d lines, want 14:\n%s", len(lines), stdout)
	}
	for i, l := range lines {
		var f struct {
			Kind   string          `json:"kind"`
			Record json.RawMessage `json:"record"`
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil || !strings.HasPrefix(f.Kind, "root-") || len(f.Record) == 0 {
			t.Errorf("line %d is not a finding (%v): %s", i+1, err, l)
		}
	}
}
