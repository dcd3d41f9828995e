package cli

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes. Every command uses these and only these, with one precedence;
// `rootwatch help exit-codes` prints exitCodesDoc and the README's "Exit
// codes" section repeats it (TestREADMEExitCodes keeps them in step).
//
// The codes are bits: 1 says there is something to report, 2 says something
// could not be done, so 3 says both, and a script testing `rc & 1` never
// misses findings because an unreadable file was also met. Precedence, from
// the strongest: 130 interrupted; 2 for a usage error or a failure before any
// result (nothing was checked); 3 when something was found and something
// could not be done; 1; 0.
const (
	// ExitOK: done, nothing to report (no findings, healthy, matched, all checks passed).
	ExitOK = 0
	// ExitReport: done, and there is something to report: findings, a degraded
	// alert chain, a pattern that does not match, a failed check.
	ExitReport = 1
	// ExitError: could not be done, or done only in part with nothing to
	// report in what was done: bad usage or input, an AWS error, a check that
	// could not be made, a file that could not be read.
	ExitError = 2
	// ExitReportAndError: something to report (as 1) AND something could not
	// be done (as 2): findings and unreadable files, a failed check and one
	// that could not be made. The output holds both.
	ExitReportAndError = ExitReport | ExitError
	// ExitInterrupted: stopped by Ctrl-C (SIGINT).
	ExitInterrupted = 130
)

const exitCodesDoc = `Exit codes (the same for every command; 1 and 2 are bits, so test rc & 1 for findings):
  0    done, nothing to report: no findings, healthy, pattern matched, all checks passed
  1    done, something to report: findings, a degraded alert chain, no match, a failed check
  2    could not be done: bad usage or input, an AWS error; or done in part (a file not
       read, a check not made) with nothing to report in what was done
  3    both 1 and 2: something to report, and something could not be done
  130  interrupted (Ctrl-C); what was done so far is printed
`

func writeExitCodes(w io.Writer) { io.WriteString(w, exitCodesDoc) }

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

// outcome ends a command that produced a result: found says there is
// something to report, incomplete that something could not be done (err, if
// not nil, says what, printed as the last line). It applies the one
// precedence: 3, 2, 1 or 0.
func outcome(found, incomplete bool, err error) error {
	code := ExitOK
	if found {
		code |= ExitReport
	}
	if incomplete || err != nil {
		code |= ExitError
	}
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code, err: err}
}

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
