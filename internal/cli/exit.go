package cli

import (
	"errors"
	"fmt"
)

// Exit codes. Every command uses these and only these; the README's "Exit codes"
// section is generated from nothing but must agree with this list.
const (
	// ExitOK: done, nothing to report (no findings, healthy, matched, all checks passed).
	ExitOK = 0
	// ExitReport: done, and there is something to report: findings, a degraded
	// alert chain, a pattern that does not match, a failed check.
	ExitReport = 1
	// ExitError: could not be done: bad usage or input, an AWS error, could not
	// check. For scan, errors occurred (findings are still printed).
	ExitError = 2
	// ExitInterrupted: stopped by Ctrl-C (SIGINT).
	ExitInterrupted = 130
)

// exitError carries an exit code, an error to print (may be nil for a plain
// result code such as "findings"), and an optional hint.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// report ends a command with ExitReport and no error message: the output said it all.
func report() error { return &exitError{code: ExitReport} }

// usageError is a mistake in the command line; it is printed with a hint to
// look at the command's -h.
func usageError(format string, args ...any) error {
	return &exitError{code: ExitError, err: fmt.Errorf(format, args...), hint: "run 'rootwatch help' or 'rootwatch COMMAND -h' for usage"}
}

// withHint attaches a hint to err, keeping its exit code.
func withHint(err error, hint string) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return &exitError{code: ee.code, err: ee.err, hint: hint}
	}
	return &exitError{code: ExitError, err: err, hint: hint}
}

// exitCode maps a command's error to the process exit code.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return ExitError
	}
	return ExitOK
}
