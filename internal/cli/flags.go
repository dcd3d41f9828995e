package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Flags anywhere: like the AWS CLI, rootwatch accepts a command's options
// before and after its positional arguments (`scan DIR --output json`), and
// `--` ends the options. The standard library's flag package stops at the
// first positional argument, so parseFlags first moves every option (with
// its value, for options that take one) in front of the positional
// arguments, keeping both in their order.

// boolFlag is the flag package's (unexported) interface of options that take
// no value.
type boolFlag interface{ IsBoolFlag() bool }

// reorder returns args with the options first, then "--", then the
// positional arguments. An option that fs does not know is kept as an
// option, so that fs.Parse reports it.
func reorder(fs *flag.FlagSet, args []string) []string {
	opts := make([]string, 0, len(args)+1)
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a) // "-" alone is a positional (stdin)
			continue
		}
		opts = append(opts, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(boolFlag); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 == len(args) {
			return opts // the value is missing: let fs.Parse say so
		}
		i++
		opts = append(opts, args[i])
	}
	return append(append(opts, "--"), pos...)
}

// parseFlags parses a command's args with fs, options anywhere. -h, -help and
// --help print the command's help to stdout and return errHelp (exit 0); a
// mistake gives one error line and a pointer to -h (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(reorder(fs, args))
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return errHelp
	case err != nil:
		return &exitError{code: ExitError, err: fmt.Errorf("%s: %w", strings.TrimPrefix(fs.Name(), "rootwatch "), err),
			hint: fmt.Sprintf("run '%s -h' for its options", fs.Name())}
	}
	return nil
}

var errHelp = errors.New("help requested")

// writeOptions lists fs's options as usage shows them: --name VALUE, then the
// description and default on the next line. The global options come last.
func writeOptions(w io.Writer, fs *flag.FlagSet) {
	var own, global []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if isGlobal(f.Name) {
			global = append(global, f)
		} else {
			own = append(own, f)
		}
	})
	section := func(title string, flags []*flag.Flag) {
		if len(flags) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		for _, f := range flags {
			kind, usage := flag.UnquoteUsage(f)
			arg := valueName(f.Name, kind)
			fmt.Fprintf(w, "  --%s%s\n      %s", f.Name, arg, usage)
			// A custom value (a list, a secret) has no default worth saying.
			if d := f.DefValue; kind != "value" && d != "" && d != "false" && d != "0" && d != "0s" {
				fmt.Fprintf(w, " (default %s)", d)
			}
			fmt.Fprintln(w)
		}
	}
	section("Options", own)
	section("Global options", global)
}

// valueName is how help shows an option's value: the name a usage string
// gives in backquotes, else N for numbers, DURATION, or the option's name in
// capitals (--since SINCE, --profile PROFILE); nothing for a switch.
func valueName(name, kind string) string {
	switch kind {
	case "":
		return ""
	case "int", "uint", "int64", "uint64":
		return " N"
	case "duration":
		return " DURATION"
	case "string", "value":
		return " " + strings.ToUpper(name)
	}
	return " " + kind
}

func isGlobal(name string) bool {
	switch name {
	case "profile", "region", "endpoint-url", "output", "verbose":
		return true
	}
	return false
}
