package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/scan"
)

// runScan finds root activity in CloudTrail history (--lookup), in log files
// and directories on disk, and in S3. Exit codes: 0 no findings, 1 findings,
// 2 errors and no findings (or nothing read at all), 3 findings and errors,
// 130 interrupted (see exit.go).
func runScan(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "scan")
	lookup := fs.Bool("lookup", false, "read CloudTrail's 90-day event history (LookupEvents) in every enabled region")
	since := fs.String("since", "", "only events at or after this: a duration back from now (90d, 12h), a date (2024-03-01) or an RFC 3339 time (default with --lookup: 90d)")
	until := fs.String("until", "", "only events at or before this: a duration back from now, a date (the whole day) or an RFC 3339 time")
	accounts := fs.String("accounts", "", "only these accounts (comma-separated IDs): by the AWSLogs layout's account directories, or each record's recipientAccountId where the path has none (and in --lookup's history)")
	regions := fs.String("regions", "", "only these regions (comma-separated); --lookup always reads us-east-1 too, where global events are")
	workers := fs.Int("workers", 0, "files read at once (default: the number of CPUs)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := g.check("table", "json", "csv"); err != nil {
		return err
	}
	if *workers < 0 || (*workers == 0 && flagSet(fs, "workers")) {
		return usageError("scan: --workers must be at least 1, got %d", *workers)
	}
	targets := fs.Args()
	if len(targets) == 0 && !*lookup {
		return usageError("scan: give --lookup, or PATHs or s3:// URLs to scan")
	}
	now := env.Now()
	o := scan.Options{Lookup: *lookup, Workers: *workers, Accounts: splitList(*accounts), Regions: splitList(*regions)}
	var err error
	if o.Since, err = parseWhen(*since, now, false); err != nil {
		return usageError("scan: --since: %v", err)
	}
	if o.Until, err = parseWhen(*until, now, true); err != nil {
		return usageError("scan: --until: %v", err)
	}
	if *lookup && o.Since.IsZero() {
		o.Since = now.Add(-90 * 24 * time.Hour)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && o.Until.Before(o.Since) {
		return usageError("scan: --until %s is before --since %s", o.Until.Format(time.RFC3339), o.Since.Format(time.RFC3339))
	}
	needAWS := *lookup
	for _, t := range targets {
		if strings.HasPrefix(t, "s3://") {
			needAWS = true
		}
	}
	if needAWS {
		acct, err := env.Connect(ctx, g.config())
		if err != nil {
			return withHint(fmt.Errorf("scan: connect to AWS: %w", err), "check --profile/--region, or your AWS credentials")
		}
		o.Account = acct
	}

	prog := newProgress(env)
	o.Progress = prog.scanHook()
	// Findings are written as they are found (memory does not grow with
	// them), in an order that does not depend on the parallelism.
	out, err := scan.NewWriterWidth(env.Stdout, g.output, env.Width)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	var writeErr error
	o.Emit = func(f scan.Finding) error {
		prog.done() // the next update shows it again
		if err := out.Write(f); err != nil {
			writeErr = err
			return err
		}
		return nil
	}
	res, err := scan.Scan(ctx, targets, o)
	prog.done()
	if writeErr != nil {
		return fmt.Errorf("scan: write output: %w", writeErr)
	}
	if err != nil && !res.Interrupted {
		return fmt.Errorf("scan: %w", err)
	}
	writeScanErrors(env, res)
	scan.WriteSummary(env.Stderr, res)
	switch {
	case res.Interrupted:
		return &exitError{code: ExitInterrupted}
	case len(targets) > 0 && res.Stats.Files == 0:
		return nothingRead(targets, res.Stats)
	}
	return outcome(res.Stats.Findings > 0, res.Stats.Errors > 0, nil)
}

// writeScanErrors prints the scan's errors, one line each, except that
// regions whose event history the endpoint does not serve (an emulator
// without LookupEvents) make one line with a hint, not one per region.
func writeScanErrors(env *Env, res scan.Result) {
	var unsupported []error
	for _, e := range res.Errors {
		if errors.Is(e, cloud.ErrUnsupported) {
			unsupported = append(unsupported, e)
			continue
		}
		fmt.Fprintf(env.Stderr, "rootwatch: scan: %v\n", e)
	}
	if n := res.Stats.Errors - int64(len(res.Errors)); n > 0 {
		fmt.Fprintf(env.Stderr, "rootwatch: scan: ... and %d more errors\n", n)
	}
	if len(unsupported) > 0 {
		printError(env.Stderr, withHint(fmt.Errorf("scan: the endpoint does not serve CloudTrail LookupEvents: no event history read in %s",
			plural(len(unsupported), "region")), "--lookup needs CloudTrail's event history (AWS itself; moto has none); scan the trail's archive instead: rootwatch scan s3://BUCKET/AWSLogs/"))
	}
}

// flagSet reports whether the option name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// nothingRead is the error of a scan of PATHs or S3 URLs that found no file
// to read: never "all clear".
func nothingRead(targets []string, st scan.Stats) error {
	where := strings.Join(targets, " ")
	msg := fmt.Sprintf("scan: nothing was read: no CloudTrail log files found under %s", where)
	hint := "give a directory or S3 prefix that holds CloudTrail log files (.json.gz, .json, .jsonl), e.g. s3://BUCKET/AWSLogs/ or a local copy of it"
	if st.ExcludedFiles > 0 || st.ExcludedDirs > 0 {
		var what []string
		if st.ExcludedFiles > 0 {
			what = append(what, plural(st.ExcludedFiles, "log file"))
		}
		if st.ExcludedDirs > 0 {
			what = append(what, plural(st.ExcludedDirs, "directory", "directories"))
		}
		msg = fmt.Sprintf("scan: nothing was read: --since/--until/--accounts/--regions excluded %s under %s", strings.Join(what, " and "), where)
		hint = "widen or drop --since/--until/--accounts/--regions"
	} else if st.Errors > 0 {
		msg = fmt.Sprintf("scan: nothing was read from %s (see the errors above)", where)
		hint = ""
	} else if strings.HasPrefix(where, "s3://") {
		hint = "check the bucket and prefix: CloudTrail writes to s3://BUCKET/[PREFIX/]AWSLogs/[ORG-ID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/"
	}
	return &exitError{code: ExitError, err: errors.New(msg), hint: hint}
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseWhen parses --since/--until: "" (unbounded), a duration back from now
// ("90d", "36h", "15m"), a date ("2024-03-01": its start, or with endOfDay
// its last instant), or an RFC 3339 time.
func parseWhen(s string, now time.Time, endOfDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if endOfDay {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a duration (90d, 12h), a date (2006-01-02) or an RFC 3339 time", s)
}
