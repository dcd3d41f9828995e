package cli

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// runStdin runs rootwatch with args against acct, stdin and whether stdin is a
// terminal.
func runStdin(t *testing.T, acct cloud.Account, stdin string, terminal bool, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{
		Stdin: strings.NewReader(stdin), StdinTerminal: terminal,
		Stdout: &stdout, Stderr: &stderr,
		Connect: func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil },
	}
	code := Main(env, args)
	return code, stdout.String(), stderr.String()
}

// TestDestroyConfirmation: destroy asks when stdin is a terminal and goes on
// only on yes; --yes skips the question; without a terminal it never asks.
func TestDestroyConfirmation(t *testing.T) {
	const question = "Remove rootwatch from account "
	for _, tt := range append(slices.Clone(answers),
		answer{"terminal, empty answer", "\n", true, nil, ExitError, true, false},
		answer{"terminal, Y", "Y\n", true, nil, ExitOK, true, true},
	) {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := deployedFake(t)
			code, stdout, stderr := runStdin(t, a, tt.stdin, tt.terminal, append([]string{"destroy"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if asked := strings.Contains(stderr, question); asked != tt.asked {
				t.Errorf("asked = %v, want %v; stderr:\n%s", asked, tt.asked, stderr)
			}
			if tt.code == ExitError && !strings.Contains(stderr, "rootwatch: destroy: not confirmed; nothing was changed\n") {
				t.Errorf("stderr lacks the refusal:\n%s", stderr)
			}
			// What is left: a second dry run says whether anything is to remove.
			_, again, _ := runStdin(t, a, "", false, "destroy", "--dry-run")
			if removed := strings.Contains(again, "nothing to do"); removed != tt.applied {
				t.Errorf("removed = %v, want %v; a second plan:\n%s", removed, tt.applied, again)
			}
		})
	}
}

// TestDeployConfirmsNewTopic: a deploy that would re-target the alert rules
// to another topic asks first on a terminal; --yes, or no terminal, does not.
func TestDeployConfirmsNewTopic(t *testing.T) {
	const question = "This deploy re-targets the alert rules from topic "
	for _, tt := range answers {
		t.Run(tt.name, func(t *testing.T) {
			a, s := deployedFake(t)
			ops, err := a.Topics(s.HomeRegion).CreateTopic(context.Background(), "ops-alerts", nil)
			if err != nil {
				t.Fatal(err)
			}
			args := append([]string{"deploy", "--email", statusEmail, "--topic-arn", ops}, tt.args...)
			code, stdout, stderr := runStdin(t, a, tt.stdin, tt.terminal, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if asked := strings.Contains(stderr, question) && strings.Contains(stderr, " to topic "+ops+": "); asked != tt.asked {
				t.Errorf("asked = %v, want %v; stderr:\n%s", asked, tt.asked, stderr)
			}
		})
	}
	// The same topic again: nothing to ask.
	a, _ := deployedFake(t)
	if code, _, stderr := runStdin(t, a, "", true, "deploy", "--email", statusEmail); code != ExitOK || strings.Contains(stderr, question) {
		t.Errorf("redeploy to the same topic: exit %d, stderr:\n%s", code, stderr)
	}
}
