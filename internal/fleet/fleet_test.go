package fleet_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/fleet"
)

func newOrg(t *testing.T, n int) *fake.Org {
	t.Helper()
	w := fake.NewOrg(fake.OrgOptions{})
	for i := range n {
		w.AddAccount(fake.Options{Account: "2000000000" + string(rune('1'+i/10)) + string(rune('0'+i%10))}, "member")
	}
	return w
}

func ids(as []cloud.OrgAccount) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func TestSelect(t *testing.T) {
	ctx := context.Background()
	w := newOrg(t, 4)
	w.SetStatus("200000000012", "SUSPENDED")
	org := w.Management().Org()
	tests := []struct {
		name    string
		sel     fleet.Selection
		want    []string
		wantErr string
	}{
		{"all active, sorted", fleet.Selection{}, []string{"123456789012", "200000000010", "200000000011", "200000000013"}, ""},
		{"include", fleet.Selection{Include: []string{"200000000011", "123456789012"}}, []string{"123456789012", "200000000011"}, ""},
		{"exclude", fleet.Selection{Exclude: []string{"123456789012", "200000000010"}}, []string{"200000000011", "200000000013"}, ""},
		{"include a stranger", fleet.Selection{Include: []string{"200000000011", "999999999999"}}, nil, "account 999999999999 is not an active account"},
		{"include a suspended account", fleet.Selection{Include: []string{"200000000012"}}, nil, "account 200000000012 is not an active account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fleet.Select(ctx, org, tt.sel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunIsolatesFailures: an account whose role is missing fails alone; the
// others run, each as itself, never more than Workers at once.
func TestRunIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	w := newOrg(t, 12)
	if err := w.Account("200000000015").Roles().DeleteRolePolicy(ctx, cloud.DefaultAccessRole, "AdministratorAccess"); err != nil {
		t.Fatal(err)
	}
	if err := w.Account("200000000015").Roles().DeleteRole(ctx, cloud.DefaultAccessRole); err != nil {
		t.Fatal(err)
	}
	accounts, err := fleet.Select(ctx, w.Management().Org(), fleet.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	var running, peak, progress atomic.Int32
	r := &fleet.Runner{Caller: w.Management(), CallerID: fake.DefaultAccount, Workers: 3, Progress: func(done, total int) {
		progress.Add(1)
		if total != len(accounts) {
			t.Errorf("progress total = %d, want %d", total, len(accounts))
		}
	}}
	rs := fleet.Run(ctx, r, accounts, func(ctx context.Context, acct cloud.OrgAccount, a cloud.Account) (string, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		// Hold the first accounts until three run at once: with fewer
		// workers this waits out its deadline and the test fails.
		for deadline := time.Now().Add(5 * time.Second); peak.Load() < 3 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		id, err := a.Identity(ctx)
		if err != nil {
			return "", err
		}
		if acct.ID == "200000000017" {
			return "", errors.New("boom")
		}
		return id.Account, nil
	})
	if len(rs) != len(accounts) {
		t.Fatalf("%d results for %d accounts", len(rs), len(accounts))
	}
	for i, res := range rs {
		switch id := res.Account.ID; {
		case id != accounts[i].ID:
			t.Errorf("result %d is for %s, want %s (the accounts' order)", i, id, accounts[i].ID)
		case id == "200000000015":
			if res.Err == nil || !strings.Contains(res.Err.Error(), "AccessDenied") {
				t.Errorf("%s without the role: err = %v, want AccessDenied from AssumeRole", id, res.Err)
			}
		case id == "200000000017":
			if res.Err == nil || res.Err.Error() != "boom" {
				t.Errorf("%s: err = %v, want boom", id, res.Err)
			}
		default:
			if res.Err != nil || res.Value != id {
				t.Errorf("%s: ran as %q, err %v; want itself", id, res.Value, res.Err)
			}
		}
	}
	if f := fleet.Failed(rs); len(f) != 2 {
		t.Errorf("Failed = %d results, want 2", len(f))
	}
	if p := peak.Load(); p != 3 {
		t.Errorf("peak concurrency = %d, want 3 (Workers 3)", p)
	}
	if n := progress.Load(); int(n) != len(accounts) {
		t.Errorf("progress called %d times, want %d", n, len(accounts))
	}
}
