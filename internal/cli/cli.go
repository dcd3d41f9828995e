// Package cli is rootwatch's command line: flags, commands, output and exit codes.
// It knows AWS only through the cloud interfaces; cmd/rootwatch wires in the adapter.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Env is everything a command may touch outside the process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// StderrTerminal says whether stderr is a terminal (progress lines are shown
	// only then).
	StderrTerminal bool
	// Connect opens the AWS account; commands that need no AWS never call it.
	Connect cloud.Connector
	Now     func() time.Time
}

// globals are the AWS-CLI-style options every command accepts, before or
// after the command name.
type globals struct {
	profile  string
	region   string
	endpoint string
	output   string
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.profile, "profile", g.profile, "use this named profile from the AWS config files")
	fs.StringVar(&g.region, "region", g.region, "AWS region for the API calls (default: from the profile or AWS_REGION)")
	fs.StringVar(&g.endpoint, "endpoint-url", g.endpoint, "send AWS API calls to this endpoint (LocalStack, moto; also AWS_ENDPOINT_URL)")
	fs.StringVar(&g.output, "output", g.output, "output format: table or json (scan also: csv)")
}

// config is the cloud.Config the global flags describe.
func (g *globals) config() cloud.Config {
	return cloud.Config{Profile: g.profile, Region: g.region, EndpointURL: g.endpoint}
}

// checkOutput validates --output against the formats a command supports.
func (g *globals) checkOutput(allowed ...string) error {
	for _, a := range allowed {
		if g.output == a {
			return nil
		}
	}
	return usageError("--output %q is not one of %s", g.output, strings.Join(allowed, ", "))
}

// command is one subcommand.
type command struct {
	name    string
	args    string // usage synopsis after the name
	summary string
	run     func(ctx context.Context, env *Env, g *globals, args []string) error
}

func commands() []command {
	return []command{
		{"deploy", "[--email ADDR]... [--topic-arn ARN] [--regions R,...] [--home-region R] [--create-trail] [--fix-kms-policy] [--via api|cloudformation] [--dry-run] [--org [--central-account ID] [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N] [--details] [--attach-scp r-...|ou-...]]", "deploy the root-activity alert in every enabled region", runDeploy},
		{"status", "[--regions R,...] [--home-region R] [--topic-arn ARN] [--org [--central-account ID] [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N]]", "check every link of the deployed alert chain", runStatus},
		{"destroy", "[--topic-arn ARN]... [--delete-trail] [--dry-run] [--org [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N] [--details]]", "remove what rootwatch deployed", runDestroy},
		{"export", "cloudformation --output-dir DIR [--regions R,...] [--home-region R] [--email ADDR]...", "write the alert chain as CloudFormation templates, with how to deploy them", runExport},
		{"iam-policy", "[--command deploy|status|destroy|org]...", "print the least-privilege IAM policy deploy, status and destroy need", runIAMPolicy},
		{"scp", "[--deploy-role-arn ARN]... [--trail-arn ARN]...", "print the service control policy that protects rootwatch in member accounts", runSCP},
		{"test", "[--timeout D] [--notify] [--home-region R] [--topic-arn ARN] [--org [--central-account ID] [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N] [--regions R,...] [--verbose]]", "prove the deployed alert works, without using root", runTest},
		{"audit", "[--no-lookup] [--org [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N]]", "audit root credential exposure", runAudit},
		{"scan", "[--lookup] [--since D|T] [--until D|T] [--accounts ID,...] [--regions R,...] [--workers N] [PATH|s3://BUCKET/PREFIX]...", "find root activity in CloudTrail history and archives", runScan},
		{"rules", "[show ID]", "list the rule pack, or show one rule", runRules},
		{"pattern", "test --pattern FILE|JSON --event FILE|JSON [--aws]", "evaluate an EventBridge pattern on an event", runPattern},
		{"version", "", "print rootwatch's version", runVersion},
	}
}

// newFlagSet returns a FlagSet for a command that registers the globals too and
// reports parse errors as usage errors instead of exiting. Its usage line is
// the command's synopsis from commands().
func newFlagSet(env *Env, g *globals, name string) *flag.FlagSet {
	var args string
	for _, c := range commands() {
		if c.name == name {
			args = c.args
		}
	}
	fs := flag.NewFlagSet("rootwatch "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: rootwatch %s %s\n\nOptions:\n", name, args)
		fs.PrintDefaults()
	}
	g.register(fs)
	return fs
}

// parseFlags parses args with fs, turning flag errors into usage errors.
// It returns errHelp (exit 0) for -h.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &exitError{code: ExitError, err: err}
	}
	return nil
}

var errHelp = errors.New("help requested")

// Main runs rootwatch with args (without the program name) and returns the
// process exit code.
func Main(env *Env, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	err := run(ctx, env, args)
	if err == nil || errors.Is(err, errHelp) {
		return ExitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(env.Stderr, "rootwatch: interrupted")
		return ExitInterrupted
	}
	err = frameAWSError(err)
	printError(env.Stderr, err)
	return exitCode(err)
}

func printError(w io.Writer, err error) {
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(w, "rootwatch: %v\n", ee.err)
		}
		if ee.hint != "" {
			fmt.Fprintf(w, "rootwatch: hint: %s\n", ee.hint)
		}
		return
	}
	fmt.Fprintf(w, "rootwatch: %v\n", err)
}

func run(ctx context.Context, env *Env, args []string) error {
	g := &globals{output: "table"}
	top := flag.NewFlagSet("rootwatch", flag.ContinueOnError)
	top.SetOutput(env.Stderr)
	top.Usage = func() { usage(env.Stderr) }
	g.register(top)
	if err := parseFlags(top, args); err != nil {
		return err
	}
	rest := top.Args()
	if len(rest) == 0 {
		usage(env.Stderr)
		return usageError("no command given")
	}
	name := rest[0]
	if name == "help" {
		usage(env.Stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, env, g, rest[1:])
		}
	}
	return usageError("unknown command %q", name)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "rootwatch makes sure nobody uses an AWS account's root user unnoticed.\n\nUsage:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  rootwatch %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nGlobal options (before or after the command): --profile, --region, --endpoint-url, --output table|json\n")
	fmt.Fprintf(w, "Exit codes: 0 ok, 1 something to report (findings, degraded, no match), 2 could not be done, 130 interrupted.\n")
}

func runVersion(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rootwatch %s\n", version())
	return nil
}
