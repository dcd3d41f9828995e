package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// TestProgress: long commands show one updating line on stderr when it is a
// terminal (deploy and destroy per region read and per change, status per
// region checked, scan with size and rate, scan --lookup per region), clear
// it at the end, and show nothing without a terminal. stdout is the same
// either way.
func TestProgress(t *testing.T) {
	newAcct := func(t *testing.T) cloud.Account {
		a := fake.NewWith(fake.Options{Now: func() time.Time { return fakeClock }})
		if err := a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
			t.Fatal(err)
		}
		return a
	}
	run := func(acct cloud.Account, terminal bool, args ...string) (string, string) {
		var out, errb bytes.Buffer
		Main(&Env{Stdout: &out, Stderr: &errb, StderrTerminal: terminal,
			Connect: func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil }}, args)
		return out.String(), errb.String()
	}
	deployed := func(t *testing.T) cloud.Account {
		a := newAcct(t)
		if out, errs := run(a, false, "deploy", "--email", statusEmail); errs != "" {
			t.Fatalf("deploy: %s%s", out, errs)
		}
		return a
	}
	for _, tt := range []struct {
		name string
		acct func(*testing.T) cloud.Account
		args []string
		want []string // in the progress line
	}{
		{"deploy", newAcct, []string{"deploy", "--regions", "eu-west-1"}, []string{"\r\x1b[Kdeploy: reading the account", "\r\x1b[Kdeploy: read 1 of 2 regions (", "\r\x1b[Kdeploy: read 2 of 2 regions (", "\r\x1b[Kdeploy 1/", ": create "}},
		{"status", deployed, []string{"status"}, []string{"\r\x1b[Kstatus: checking 6 regions", "\r\x1b[Kstatus: checked 1 of 6 regions (", "\r\x1b[Kstatus: checked 6 of 6 regions ("}},
		{"destroy", deployed, []string{"destroy"}, []string{"\r\x1b[Kdestroy: read 1 of 6 regions (", "\r\x1b[Kdestroy: read 6 of 6 regions (", "\r\x1b[Kdestroy 1/"}},
		{"scan", newAcct, []string{"scan", sampleArchive}, []string{"\r\x1b[Kscanning: ", " uncompressed, ", "/s"}},
		{"scan --lookup", newAcct, []string{"scan", "--lookup"}, []string{"\r\x1b[Kreading event history: 6/6 regions, 0 events"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			quietOut, quietErr := run(tt.acct(t), false, tt.args...)
			termOut, termErr := run(tt.acct(t), true, tt.args...)
			if strings.Contains(quietErr, "\r") {
				t.Errorf("progress without a terminal:\n%q", quietErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(termErr, w) {
					t.Errorf("progress on a terminal lacks %q:\n%q", w, termErr)
				}
			}
			// The line is cleared before what follows it on stderr.
			if i := strings.LastIndex(termErr, "\r"); i >= 0 && !strings.HasPrefix(termErr[i:], "\r\x1b[K") {
				t.Errorf("progress line not cleared:\n%q", termErr[i:])
			}
			scrub := func(s string) string { // timings differ between runs
				var b strings.Builder
				for _, l := range strings.Split(s, "\n") {
					if !strings.Contains(l, " in ") {
						b.WriteString(l + "\n")
					}
				}
				return b.String()
			}
			if scrub(termOut) != scrub(quietOut) {
				t.Errorf("stdout differs with a terminal on stderr:\n%s\nvs\n%s", termOut, quietOut)
			}
		})
	}
}
