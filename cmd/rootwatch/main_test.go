package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/awstest/orgscript"
	"github.com/rootwatch/rootwatch/internal/golden"
)

// withEndpoint runs the tests with moto started (or the named endpoint); the
// rootwatch child processes that testscript starts never reach it, so they do
// not start a moto of their own.
type withEndpoint struct{ m *testing.M }

func (w withEndpoint) Run() int { return awstest.Main(w.m) }

func TestMain(m *testing.M) {
	programs := map[string]func(){
		"rootwatch":       func() { os.Exit(run()) },
		"rootwatch-waits": func() { os.Exit(rootwatchWaits()) },
	}
	for name, p := range ptyPrograms {
		programs[name] = p
	}
	testscript.Main(withEndpoint{m}, programs)
}

// TestScripts runs the CLI scripts in testdata/script. Scripts that need AWS
// start with `endpoint`, which skips them when no endpoint is available (or
// fails them under ROOTWATCH_REQUIRE_EMULATOR) and resets moto's state.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: golden.Update(),
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", root)
			// Scripts run in parallel against one moto: each gets an empty
			// account of its own.
			for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
				if v, ok := os.LookupEnv(k); ok {
					env.Setenv(k, v)
				}
			}
			if tg, _ := awstest.Available(); tg.Kind == awstest.Moto {
				c, err := awstest.NewAccount(tg.URL)
				if err != nil {
					return err
				}
				env.Setenv("AWS_ACCESS_KEY_ID", c.AccessKeyID)
				env.Setenv("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
				env.Setenv("AWS_SESSION_TOKEN", c.SessionToken)
				env.Setenv("ACCOUNT", c.Account)
			}
			return nil
		},
		Condition: condEndpoint,
		Cmds:      scriptCmds(),
	})
}

// scriptCmds are the scripts' own commands: exit, signal (hooks_test.go), and organization mode's
// commands on moto (orgscript).
func scriptCmds() map[string]func(*testscript.TestScript, bool, []string) {
	cmds := map[string]func(*testscript.TestScript, bool, []string){"exit": cmdExit, "signal": cmdSignal}
	for name, cmd := range orgscript.Cmds {
		cmds[name] = cmd
	}
	return cmds
}

// cmdExit is `exit CODE PROGRAM ARGS...`: it runs PROGRAM like exec and
// fails unless its exit status is exactly CODE (exec and ! exec only tell
// zero from non-zero). Its stdout and stderr are checked as after exec.
func cmdExit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exit CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exit: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exit: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// condEndpoint answers the [endpoint] condition: whether an AWS-compatible
// endpoint is available. Scripts that need one start with
//
//	[!endpoint] skip 'no AWS-compatible endpoint'
//
// and under ROOTWATCH_REQUIRE_EMULATOR a missing endpoint fails them instead.
func condEndpoint(cond string) (bool, error) {
	if cond != "endpoint" {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	tg, why := awstest.Available()
	if tg.Kind == "" && awstest.Required() {
		return false, fmt.Errorf("AWS-compatible endpoint required (ROOTWATCH_REQUIRE_EMULATOR is set) but unavailable: %s", why)
	}
	return tg.Kind != "", nil
}
