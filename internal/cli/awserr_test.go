package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// errAccount fails Identity with err, as an account behind a closed port or
// without credentials does.
type errAccount struct {
	cloud.Account
	err error
}

func (a errAccount) Identity(ctx context.Context) (cloud.Identity, error) {
	return cloud.Identity{}, a.err
}

// TestAWSErrorHints: whichever command meets an unreachable endpoint or no
// credentials, stderr says so once, with the hint that fits, and exit 2; an
// unreachable endpoint is never called a credentials problem.
func TestAWSErrorHints(t *testing.T) {
	unreachable := fmt.Errorf("get caller identity: cannot reach http://127.0.0.1:1: %w", cloud.ErrUnreachable)
	noCreds := fmt.Errorf("%w found in the environment", cloud.ErrNoCredentials)
	denied := errors.New("get caller identity: AccessDenied: not authorized")
	tests := []struct {
		name       string
		connectErr error // from Connect
		callErr    error // from Identity
		args       []string
		want       string
	}{
		{"status, closed port", nil, unreachable, []string{"status"},
			"rootwatch: could not check: " + unreachable.Error() + "\nrootwatch: hint: " + hintUnreachable + "\n"},
		{"deploy, closed port", nil, unreachable, []string{"deploy", "--email", "a@example.com"},
			"rootwatch: deploy: " + unreachable.Error() + "\nrootwatch: hint: " + hintUnreachable + "\n"},
		{"test, no credentials", noCreds, nil, []string{"test"},
			"rootwatch: could not test: " + noCreds.Error() + "\nrootwatch: hint: " + hintNoCredentials + "\n"},
		{"audit, no credentials", noCreds, nil, []string{"audit"},
			"rootwatch: " + noCreds.Error() + "\nrootwatch: hint: " + hintNoCredentials + "\n"},
		{"status, access denied keeps its hint", nil, denied, []string{"status"},
			"rootwatch: could not check: " + denied.Error() + "\nrootwatch: hint: check your credentials, --profile and --region\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := &Env{
				Stdout: &stdout, Stderr: &stderr,
				Connect: func(ctx context.Context, c cloud.Config) (cloud.Account, error) {
					return errAccount{err: tt.callErr}, tt.connectErr
				},
				Now: func() time.Time { return statusNow },
			}
			code := Main(env, tt.args)
			if code != ExitError || stderr.String() != tt.want {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", code, stderr.String(), ExitError, tt.want)
			}
		})
	}
}
