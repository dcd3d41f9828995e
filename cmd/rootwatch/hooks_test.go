package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cli"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// The scripts' hooks into the binary: programs the test binary provides
// besides rootwatch, and the commands that work with them.

// rootwatchWaits is the rootwatch program whose `test` waits for its test
// message until a signal stops it: on the account the AWS adapter opens, the
// first receive from a self-test queue writes the process ID to the file
// "waiting" in the working directory (the script's $WORK) and blocks until
// the command's context ends. Everything else is the real adapter's. Scripts
// stop it with `signal`.
func rootwatchWaits() int {
	env := processEnv()
	connect := env.Connect
	env.Connect = func(ctx context.Context, c cloud.Config) (cloud.Account, error) {
		a, err := connect(ctx, c)
		if err != nil {
			return nil, err
		}
		return waitingAccount{a}, nil
	}
	return cli.Main(env, os.Args[1:])
}

type waitingAccount struct{ cloud.Account }

func (a waitingAccount) Queues(region string) cloud.Queues {
	return waitingQueues{a.Account.Queues(region)}
}

type waitingQueues struct{ cloud.Queues }

func (q waitingQueues) Receive(ctx context.Context, url string, max int, wait, visibility time.Duration) ([]cloud.Message, error) {
	if !strings.Contains(url, chain.SelfTestRulePrefix) {
		return q.Queues.Receive(ctx, url, max, wait, visibility)
	}
	if _, err := os.Stat("waiting"); os.IsNotExist(err) {
		if err := os.WriteFile("waiting.tmp", []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return nil, err
		}
		if err := os.Rename("waiting.tmp", "waiting"); err != nil {
			return nil, err
		}
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// cmdSignal is `signal INT|TERM PIDFILE`: it waits (up to a minute) for
// PIDFILE, which a program such as rootwatch-waits writes when it has
// reached the point to interrupt, and sends the signal to the process it
// names. (testscript's kill sends only INT and KILL.) `wait` then collects
// the program's output.
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	sigs := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM}
	if neg || len(args) != 2 || sigs[args[0]] == 0 {
		ts.Fatalf("usage: signal INT|TERM PIDFILE")
	}
	path := ts.MkAbs(args[1])
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if err == nil {
			pid, err := strconv.Atoi(string(b))
			ts.Check(err)
			p, err := os.FindProcess(pid)
			ts.Check(err)
			ts.Check(p.Signal(sigs[args[0]]))
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s", fmt.Errorf("no %s after a minute: %w", args[1], err))
		}
	}
}
