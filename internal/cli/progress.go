package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/scan"
	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// progress is the one line of progress a long command shows on stderr, only
// when stderr is a terminal: each update replaces the line, done clears it.
// Without a terminal every method does nothing, so stderr stays clean for
// logs and scripts. It is safe for concurrent use (scan workers, regions).
//
// Long commands report through it: scan with scanHook (scan.Options.Progress;
// the line says files, uncompressed size, rate, ETA and findings, or with
// --lookup the regions whose event history is read), audit's event history
// lookup per region, status per region checked (regionHook), deploy and
// destroy per region read while planning (planContext) and per change
// applied, and org mode per account (orgProgress).
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	width int
	shown bool
}

func newProgress(env *Env) *progress {
	return &progress{w: env.Stderr, on: env.StderrTerminal, width: env.Width}
}

// set replaces the progress line with the formatted text, escaped and cut to
// the terminal's width.
func (p *progress) set(format string, args ...any) {
	if p == nil || !p.on {
		return
	}
	line := termsafe.Cell(fmt.Sprintf(format, args...))
	if p.width > 1 && utf8.RuneCountInString(line) > p.width-1 {
		line = string([]rune(line)[:p.width-2]) + "…"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.shown = true
}

// done clears the progress line, if one was shown.
func (p *progress) done() {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// scanHook is the scan's progress hook (scan.Options.Progress), or nil when
// no progress is shown: the scan's progress line (scan.ProgressLine).
func (p *progress) scanHook() func(scan.Stats) {
	if p == nil || !p.on {
		return nil
	}
	return func(st scan.Stats) { p.set("%s", scan.ProgressLine(st)) }
}

// regionHook is the progress of a command that reads every region (status's
// checks, deploy's and destroy's planning), or nil when no progress is shown:
// "status: checked 3 of 17 regions (eu-west-1)".
func (p *progress) regionHook(what string) func(region string, done, total int) {
	if p == nil || !p.on {
		return nil
	}
	return func(region string, done, total int) {
		p.set("%s %d of %s (%s)", what, done, plural(total, "region"), region)
	}
}

// planContext is ctx carrying deploy's and destroy's per-region planning
// progress on p (nothing when no progress is shown).
func (p *progress) planContext(ctx context.Context, command string) context.Context {
	hook := p.regionHook(command + ": read")
	if hook == nil {
		return ctx
	}
	p.set("%s: reading the account", command)
	return deploy.WithRegionProgress(ctx, hook)
}
