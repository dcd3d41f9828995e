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
	"regexp"
	"slices"
	"strings"
	"syscall"
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
	// StdinTerminal says whether stdin is a terminal: only then do commands
	// ask for confirmation (destroy); without one they never prompt.
	StdinTerminal bool
	// Width is the terminal's width in columns when stdout is a terminal, else
	// 0 (no limit): tables are fitted to it.
	Width int
	// Connect opens the AWS account; commands that need no AWS never call it.
	Connect cloud.Connector
	Now     func() time.Time

	// flagSink, when set, receives each command's flag set instead of its help
	// being printed (completion reads the options this way).
	flagSink func(*flag.FlagSet)
}

// globals are the AWS-CLI-style options every command accepts, before or
// after the command name.
type globals struct {
	profile  string
	region   string
	endpoint string
	output   string
	verbose  bool
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.profile, "profile", g.profile, "use this named profile from the AWS config files")
	fs.StringVar(&g.region, "region", g.region, "AWS region for the API calls (default: from the profile or AWS_REGION)")
	fs.StringVar(&g.endpoint, "endpoint-url", g.endpoint, "send AWS API calls to this endpoint (LocalStack, moto; also AWS_ENDPOINT_URL)")
	fs.StringVar(&g.output, "output", g.output, "output format: table or json (scan also: csv)")
	fs.BoolVar(&g.verbose, "verbose", g.verbose, "show every check, resource and change, not only the summary and the problems")
}

// config is the cloud.Config the global flags describe.
func (g *globals) config() cloud.Config {
	return cloud.Config{Profile: g.profile, Region: g.region, EndpointURL: g.endpoint}
}

// check validates the global options before a command does anything:
// --output against the formats the command supports, and --region's form
// (an unknown but well-formed region is left to AWS to refuse).
func (g *globals) check(allowed ...string) error {
	if g.region != "" && !regionForm.MatchString(g.region) {
		return usageError("--region %q is not a region name (like us-east-1 or eu-west-2)", g.region)
	}
	if !slices.Contains(allowed, g.output) {
		return usageError("--output %q is not one of %s", g.output, strings.Join(allowed, ", "))
	}
	return nil
}

// regionForm is the form of an AWS region name: us-east-1, eu-central-2,
// us-gov-west-1, cn-north-1, us-isob-east-1.
var regionForm = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)

// command is one subcommand.
type command struct {
	name    string
	args    string // usage synopsis after the name
	summary string
	run     func(ctx context.Context, env *Env, g *globals, args []string) error
}

func commands() []command {
	return []command{
		{"deploy", "[--email ADDR]... [--topic-arn ARN] [--regions R,...] [--home-region R] [--create-trail] [--fix-kms-policy] [--via api|cloudformation] [--dry-run] [--yes] [--org [--central-account ID] [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N] [--details] [--attach-scp r-...|ou-...]]", "deploy the root-activity alert in every enabled region", runDeploy},
		{"status", "[--regions R,...] [--home-region R] [--topic-arn ARN] [--org [--central-account ID] [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N]]", "check every link of the deployed alert chain", runStatus},
		{"destroy", "[--topic-arn ARN]... [--delete-trail] [--dry-run] [--yes] [--org [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N] [--details]]", "remove what rootwatch deployed", runDestroy},
		{"export", "cloudformation --output-dir DIR [--regions R,...] [--home-region R] [--email ADDR]...", "write the alert chain as CloudFormation templates, with how to deploy them", runExport},
		{"iam-policy", "[--command deploy|status|destroy|test|audit|scan|confirm]... [--topic-arn ARN]... [--kms-key-arn ARN]... [--bucket NAME]... [--boundary [--central-bus ARN]]", "print the least-privilege IAM policy of each command, or the forwarder's permissions boundary", runIAMPolicy},
		{"confirm", "URL|TOKEN [--topic-arn ARN] [--home-region R]", "confirm an e-mail subscription so that only AWS credentials can unsubscribe it", runConfirm},
		{"scp", "[--deploy-role-arn ARN]... [--trail-arn ARN]...", "print the service control policy that protects rootwatch in member accounts", runSCP},
		{"test", "[--timeout D] [--notify] [--home-region R] [--topic-arn ARN] [--org [--central-account ID] [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N] [--regions R,...] [--verbose]]", "prove the deployed alert works, without using root", runTest},
		{"audit", "[--no-lookup] [--org [--role-name NAME] [--accounts ID,...] [--exclude-accounts ID,...] [--workers N]]", "audit root credential exposure", runAudit},
		{"scan", "[--lookup] [--since D|T] [--until D|T] [--accounts ID,...] [--regions R,...] [--workers N] [PATH|s3://BUCKET/PREFIX]...", "find root activity in CloudTrail history and archives", runScan},
		{"rules", "[show ID]", "list the rule pack, or show one rule", runRules},
		{"pattern", "test --pattern FILE|JSON --event FILE|JSON [--aws]", "evaluate an EventBridge pattern on an event or a delivered log file's records", runPattern},
		{"completion", "bash|zsh|fish", "print a shell completion script (e.g. source <(rootwatch completion bash))", runCompletion},
		{"version", "", "print rootwatch's version (also --version)", runVersion},
	}
}

// newFlagSet returns a FlagSet for a command that registers the globals too.
// Its help, printed to stdout by -h, --help and `rootwatch help NAME`, is the
// command's synopsis from commands() and its options.
func newFlagSet(env *Env, g *globals, name string) *flag.FlagSet {
	c, _ := lookupCommand(name)
	fs := flag.NewFlagSet("rootwatch "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stdout)
	fs.Usage = func() {
		if env.flagSink != nil {
			env.flagSink(fs)
			return
		}
		w := fs.Output()
		fmt.Fprintf(w, "Usage: rootwatch %s %s\n\n%s.\n", name, c.args, capitalize(c.summary))
		writeOptions(w, fs)
	}
	g.register(fs)
	return fs
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Main runs rootwatch with args (without the program name) and returns the
// process exit code.
func Main(env *Env, args []string) int {
	// SIGTERM (a CI job cancelled, a container stopped, timeout(1)) ends a
	// command as Ctrl-C does: cleanly, removing what it created.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
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

// run finds the command: global options may come before it (and, parsed by
// the command, anywhere after it).
func run(ctx context.Context, env *Env, args []string) error {
	g := &globals{output: "table"}
	top := flag.NewFlagSet("rootwatch", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	top.Usage = func() {}
	g.register(top)
	version := top.Bool("version", false, "print rootwatch's version")
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(env.Stdout)
			return errHelp
		}
		return usageError("%v", err)
	}
	if *version {
		return runVersion(ctx, env, g, top.Args())
	}
	rest := top.Args()
	if len(rest) == 0 {
		return usageError("no command given")
	}
	name := rest[0]
	if name == "help" {
		return runHelp(ctx, env, g, rest[1:])
	}
	c, ok := lookupCommand(name)
	if !ok {
		return usageError("unknown command %q", name)
	}
	return c.run(ctx, env, g, rest[1:])
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "rootwatch makes sure nobody uses an AWS account's root user unnoticed.\n\nUsage: rootwatch [--version] COMMAND [OPTIONS] [ARGS]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-11s %s\n", "help", "help COMMAND prints a command's options; help output the --output json formats; help exit-codes")
	fmt.Fprintf(w, "\nGlobal options, before or after the command (options may follow arguments; -- ends them):\n"+
		"  --profile NAME, --region R, --endpoint-url URL, --output table|json (scan also csv), --verbose\n\n")
	writeExitCodes(w)
}

// runHelp prints help: rootwatch's, a command's (`help scan` is `scan -h`),
// or a topic's.
func runHelp(ctx context.Context, env *Env, g *globals, args []string) error {
	switch {
	case len(args) == 0:
		usage(env.Stdout)
		return nil
	case len(args) > 1:
		return usageError("help takes one command or topic, got %q", args)
	case args[0] == "output":
		_, err := io.WriteString(env.Stdout, outputHelp)
		return err
	case args[0] == "exit-codes":
		writeExitCodes(env.Stdout)
		return nil
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		return usageError("no help for %q: not a command or a help topic (output, exit-codes)", args[0])
	}
	return c.run(ctx, env, g, []string{"--help"})
}

func runVersion(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("version takes no arguments, got %q", fs.Args())
	}
	fmt.Fprintf(env.Stdout, "rootwatch %s\n", version())
	return nil
}
