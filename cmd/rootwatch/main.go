// Command rootwatch makes sure nobody uses an AWS account's root user without its
// owners knowing. This file only wires the AWS adapter and the process's
// streams into the command line.
package main

import (
	"os"

	"golang.org/x/term"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/cli"
)

func main() { os.Exit(run()) }

func run() int { return cli.Main(processEnv(), os.Args[1:]) }

// processEnv is the process's streams, terminals and environment, and the
// AWS adapter.
func processEnv() *cli.Env {
	width := 0
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
		width = w // stdout is a terminal: tables fit it
	}
	return &cli.Env{
		Stdin:          os.Stdin,
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		Getenv:         os.Getenv,
		StderrTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		StdinTerminal:  term.IsTerminal(int(os.Stdin.Fd())),
		Width:          width,
		Connect:        awscloud.Connect,
	}
}
