package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// runCompletion prints a completion script for bash, zsh or fish. The
// commands and each command's options come from the command table and the
// commands' own flag sets, so the scripts cannot fall behind them.
func runCompletion(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "completion")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("completion needs one shell: bash, zsh or fish")
	}
	words := completionWords(ctx)
	switch fs.Arg(0) {
	case "bash":
		writeBash(env.Stdout, words)
	case "zsh":
		fmt.Fprintln(env.Stdout, "#compdef rootwatch\nautoload -U +X bashcompinit && bashcompinit")
		writeBash(env.Stdout, words)
	case "fish":
		writeFish(env.Stdout, words)
	default:
		return usageError("completion: unknown shell %q (want bash, zsh or fish)", fs.Arg(0))
	}
	return nil
}

// cmdWords is one command's name and option names (without dashes).
type cmdWords struct {
	name  string
	flags []string
}

// completionWords collects every command's options by asking the command
// for its help with a sink that receives its flag set.
func completionWords(ctx context.Context) []cmdWords {
	var out []cmdWords
	for _, c := range commands() {
		var names []string
		env := &Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
			flagSink: func(fs *flag.FlagSet) {
				fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
			}}
		c.run(ctx, env, &globals{output: "table"}, []string{"--help"})
		slices.Sort(names)
		out = append(out, cmdWords{c.name, names})
	}
	return out
}

func writeBash(w io.Writer, words []cmdWords) {
	var names []string
	for _, c := range words {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, `# bash completion for rootwatch: source <(rootwatch completion bash)
_rootwatch() {
    local cur cmd i
    cur="${COMP_WORDS[COMP_CWORD]}"
    cmd=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --profile|--region|--endpoint-url|--output) ((i++)) ;;
            -*) ;;
            *) cmd="${COMP_WORDS[i]}"; break ;;
        esac
    done
    if [[ "${COMP_WORDS[COMP_CWORD-1]}" == --output ]]; then
        COMPREPLY=($(compgen -W "table json csv" -- "$cur"))
        return
    fi
    local opts
    case "$cmd" in
`)
	for _, c := range words {
		fmt.Fprintf(w, "        %s) opts=%q ;;\n", c.name, dashed(c.flags))
	}
	fmt.Fprintf(w, `        "") opts="--profile --region --endpoint-url --output --verbose --version --help" ;;
    esac
    if [[ -z "$cmd" && "$cur" != -* ]]; then
        COMPREPLY=($(compgen -W %q -- "$cur"))
    elif [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o default -F _rootwatch rootwatch
`, strings.Join(append(names, "help"), " "))
}

func writeFish(w io.Writer, words []cmdWords) {
	var names []string
	for _, c := range words {
		names = append(names, c.name)
	}
	fmt.Fprintln(w, "# fish completion for rootwatch: rootwatch completion fish | source")
	fmt.Fprintln(w, "complete -c rootwatch -f")
	fmt.Fprintf(w, "complete -c rootwatch -n 'not __fish_seen_subcommand_from %s' -a '%s help'\n", strings.Join(names, " "), strings.Join(names, " "))
	fmt.Fprintln(w, "complete -c rootwatch -l version -d 'print the version'")
	for _, c := range words {
		for _, f := range c.flags {
			fmt.Fprintf(w, "complete -c rootwatch -n '__fish_seen_subcommand_from %s' -l %s\n", c.name, f)
		}
	}
	fmt.Fprintln(w, "complete -c rootwatch -n '__fish_seen_subcommand_from scan pattern' -F")
}

func dashed(flags []string) string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = "--" + f
	}
	return strings.Join(out, " ")
}
