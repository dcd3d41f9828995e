package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloudtrail"
	"github.com/rootwatch/rootwatch/internal/pattern"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// runRules lists the rule pack (`rootwatch rules`) or shows one rule
// (`rootwatch rules show ID`).
func runRules(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "rules")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) > 0 && rest[0] == "show" {
		if len(rest) < 2 {
			return usageError("rules show needs a rule ID")
		}
		if len(rest) > 2 {
			return usageError("rules show takes one rule ID, got also %q", rest[2])
		}
		id := rest[1]
		if err := g.check("table", "json"); err != nil {
			return err
		}
		r, ok := rules.Get(id)
		if !ok {
			return withHint(fmt.Errorf("unknown rule %q", id), "run 'rootwatch rules' to list the rule IDs")
		}
		if g.output == "json" {
			return writeIndentedJSON(env.Stdout, ruleView(r))
		}
		return showRule(env.Stdout, r)
	}
	if len(rest) > 0 {
		return usageError("unknown rules subcommand %q (want: rules, or rules show ID)", rest[0])
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	all := rules.All()
	if g.output == "json" {
		views := make([]ruleJSON, len(all))
		for i, r := range all {
			views[i] = ruleView(r)
		}
		return writeIndentedJSON(env.Stdout, views)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tTITLE")
	for _, r := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\n%d rules. 'rootwatch rules show ID' prints a rule's pattern and message.\n", len(all))
	return nil
}

// ruleJSON is a rule as `--output json` prints it: the pattern as JSON, not
// as a string holding JSON.
type ruleJSON struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Severity   rules.Severity  `json:"severity"`
	Pattern    json.RawMessage `json:"pattern"`
	Message    rules.Message   `json:"message"`
	References []string        `json:"references"`
}

func ruleView(r rules.Rule) ruleJSON {
	return ruleJSON{ID: r.ID, Title: r.Title, Severity: r.Severity, Pattern: json.RawMessage(r.Pattern),
		Message: r.Message, References: r.References}
}

func writeIndentedJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	e.SetEscapeHTML(false)
	return e.Encode(v)
}

func showRule(w io.Writer, r rules.Rule) error {
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(r.Pattern), "", "  "); err != nil {
		return fmt.Errorf("rule %s: pattern: %w", r.ID, err)
	}
	fmt.Fprintf(w, "%s (%s)\n%s\n\nEvent pattern (%d characters as deployed):\n%s\n", r.ID, r.Severity, r.Title, len(r.Pattern), pretty.String())
	fmt.Fprintf(w, "\nMessage (input transformer template):\n%s\n\nInput paths:\n", r.Message.Template)
	names := make([]string, 0, len(r.Message.Paths))
	for k := range r.Message.Paths {
		names = append(names, k)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range names {
		fmt.Fprintf(tw, "  <%s>\t%s\n", k, r.Message.Paths[k])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nReferences:")
	for _, ref := range r.References {
		fmt.Fprintf(w, "  %s\n", ref)
	}
	return nil
}

// runPattern evaluates a pattern on an event: `rootwatch pattern test`.
// Exit 0 on match, 1 on no match, 2 when the pattern or event is invalid.
func runPattern(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "pattern")
	var patArg, evArg string
	var useAWS bool
	fs.StringVar(&patArg, "pattern", "", "the event pattern: inline JSON (starting with '{'), a file, or - for stdin")
	fs.StringVar(&evArg, "event", "", "the event: an EventBridge event, a CloudTrail record or a delivered log file ({\"Records\":[...]}, gzipped or not, each record evaluated); inline JSON, a file, or - for stdin")
	fs.BoolVar(&useAWS, "aws", false, "also ask the configured endpoint's EventBridge TestEventPattern")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || fs.Arg(0) != "test" {
		return usageError("pattern needs the subcommand test: rootwatch pattern test --pattern FILE|JSON --event FILE|JSON [--aws]")
	}
	if fs.NArg() > 1 {
		return usageError("pattern test takes no arguments, got %q", fs.Arg(1))
	}
	if patArg == "" || evArg == "" {
		return usageError("pattern test needs both --pattern and --event")
	}
	if patArg == "-" && evArg == "-" {
		return usageError("only one of --pattern and --event can read stdin")
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	patSrc, err := readJSONArg(env, "pattern", patArg)
	if err != nil {
		return err
	}
	evSrc, err := readJSONArg(env, "event", evArg)
	if err != nil {
		return err
	}
	p, err := pattern.Compile(patSrc)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("invalid pattern: %w", err)}
	}
	if evSrc, err = gunzip(evSrc); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("read event: %w", err)}
	}
	if isLogFile(evSrc) {
		if useAWS {
			return usageError("pattern test --aws takes one event or record, not a log file")
		}
		return testLogFile(env, g, p, evSrc)
	}
	event, bridged, err := eventFromArg(evSrc)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	local, err := p.Match(event)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("invalid event: %w", err)}
	}
	res := patternResult{Match: local, Local: local, Bridged: bridged}
	if useAWS {
		if err := askAWS(ctx, env, g, string(patSrc), string(event), &res); err != nil {
			writePatternResult(env.Stdout, g.output, res)
			return err
		}
	}
	if res.Bridged {
		fmt.Fprintln(env.Stderr, "rootwatch: the event is a CloudTrail record, evaluated as the EventBridge event AWS would deliver for it")
	}
	if err := writePatternResult(env.Stdout, g.output, res); err != nil {
		return err
	}
	if res.Disagree {
		fmt.Fprintln(env.Stderr, "rootwatch: warning: rootwatch's engine and the endpoint disagree; the endpoint's answer decides the exit code. Please report this with the pattern and event.")
	}
	if !res.Match {
		return report()
	}
	return nil
}

// patternResult is what `pattern test` found.
type patternResult struct {
	// Result is "match" (exit 0) or "no-match" (exit 1): the answer that
	// decides the exit code, as Match.
	Result  string `json:"result"`
	Match   bool   `json:"match"` // the answer that decides the exit code
	Local   bool   `json:"local"` // rootwatch's engine
	AWS     *bool  `json:"aws,omitempty"`
	Bridged bool   `json:"bridged"` // the event was a CloudTrail record, bridged to an EventBridge event
	// AWSUnusable says why the endpoint gave no usable answer (an emulator
	// gap); the local answer is used then.
	AWSUnusable string `json:"awsUnusable,omitempty"`
	Endpoint    string `json:"endpoint,omitempty"`
	Disagree    bool   `json:"disagree,omitempty"`
}

func askAWS(ctx context.Context, env *Env, g *globals, pat, event string, res *patternResult) error {
	if env.Connect == nil {
		return errors.New("no AWS connector configured")
	}
	region := g.region
	if region == "" {
		region = env.Getenv("AWS_REGION")
	}
	if region == "" {
		region = env.Getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = "us-east-1"
	}
	res.Endpoint = "EventBridge TestEventPattern in " + region
	if u := g.endpoint; u != "" {
		res.Endpoint += " at " + u
	} else if u := env.Getenv("AWS_ENDPOINT_URL"); u != "" {
		res.Endpoint += " at " + u
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return withHint(fmt.Errorf("connect to AWS: %w", err), "check your credentials, --profile, --region and --endpoint-url")
	}
	ok, err := acct.Events(region).TestPattern(ctx, pat, event)
	switch {
	case errors.Is(err, cloud.ErrUnsupported):
		res.AWSUnusable = err.Error()
		return nil
	case err != nil:
		return withHint(fmt.Errorf("ask AWS: %w", err), "the local answer is above; without --aws rootwatch does not call AWS")
	}
	res.AWS = &ok
	res.Match = ok
	res.Disagree = ok != res.Local
	return nil
}

func writePatternResult(w io.Writer, output string, res patternResult) error {
	if output == "json" {
		res.Result = "no-match"
		if res.Match {
			res.Result = "match"
		}
		return writeIndentedJSON(w, res)
	}
	answer := func(b bool) string {
		if b {
			return "match"
		}
		return "no match"
	}
	if res.AWS == nil && res.AWSUnusable == "" && res.Endpoint == "" {
		fmt.Fprintln(w, answer(res.Local))
		return nil
	}
	fmt.Fprintf(w, "rootwatch: %s\n", answer(res.Local))
	switch {
	case res.AWS != nil:
		fmt.Fprintf(w, "aws:       %s (%s)\n", answer(*res.AWS), res.Endpoint)
		if res.Disagree {
			fmt.Fprintln(w, "the answers DISAGREE; the endpoint's answer decides")
		}
	case res.AWSUnusable != "":
		fmt.Fprintf(w, "aws:       no usable answer (%s: %s)\n", res.Endpoint, res.AWSUnusable)
		fmt.Fprintf(w, "result:    %s (rootwatch's local answer; the endpoint gave no usable answer)\n", answer(res.Local))
	}
	return nil
}

// readJSONArg reads a --pattern or --event value: inline JSON when it starts
// with '{', stdin for "-", else a file.
func readJSONArg(env *Env, what, arg string) ([]byte, error) {
	if strings.HasPrefix(strings.TrimSpace(arg), "{") {
		return []byte(arg), nil
	}
	var b []byte
	var err error
	if arg == "-" {
		if env.Stdin == nil {
			return nil, usageError("--%s -: no standard input", what)
		}
		b, err = io.ReadAll(env.Stdin)
	} else {
		b, err = os.ReadFile(arg)
	}
	if err != nil {
		return nil, withHint(fmt.Errorf("read %s: %w", what, err), "--"+what+" takes inline JSON starting with '{', a file name, or - for stdin")
	}
	return b, nil
}

// eventFromArg returns the EventBridge event for the --event value: as it is
// when it is one, bridged when it is a CloudTrail record.
func eventFromArg(b []byte) (event []byte, bridged bool, err error) {
	b = bytes.TrimSpace(b)
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v)
		return nil, false, fmt.Errorf("invalid event: not JSON: %v", err)
	}
	if b[0] != '{' {
		return nil, false, errors.New("invalid event: not a JSON object")
	}
	if cloudtrail.IsEvent(b) {
		return b, false, nil
	}
	ev, err := cloudtrail.AppendEvent(nil, b)
	if err != nil {
		return nil, false, fmt.Errorf("invalid event: neither an EventBridge event (no detail-type and detail) nor a CloudTrail record: %w", err)
	}
	return ev, true, nil
}
