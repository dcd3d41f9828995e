package cli

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// confirm asks question on stderr and reads the answer from stdin, when stdin
// is a terminal; without one it never asks and returns nil (scripts and CI
// run unattended: the command's --dry-run shows what would change). Only
// "y" or "yes" (any case) go on; anything else, or end of input, is a refusal: exit 2,
// nothing changed.
func confirm(env *Env, cmd, question string) error {
	if !env.StdinTerminal {
		return nil
	}
	// The question may name what the plan read (an address or topic from
	// the settings record, which whoever may tag the bus can write).
	fmt.Fprintf(env.Stderr, "%s [y/N] ", termsafe.Cell(question))
	line, _ := bufio.NewReader(env.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return &exitError{code: ExitError, err: fmt.Errorf("%s: not confirmed; nothing was changed", cmd)}
}

// plural formats a count with its noun: "1 change", "2 changes", and with
// an irregular plural given: "2 directories".
func plural[N int | int64](n N, noun string, plural ...string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case len(plural) > 0:
		return fmt.Sprintf("%d %s", n, plural[0])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
