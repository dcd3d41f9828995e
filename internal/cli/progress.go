package cli

import (
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/rootwatch/rootwatch/internal/scan"
	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// progress is the one line of progress a long command shows on stderr, only
// when stderr is a terminal: each update replaces the line, done clears it.
// Without a terminal every method does nothing, so stderr stays clean for
// logs and scripts. It is safe for concurrent use (scan workers, regions).
//
// Long commands report through it: scan with scanHook (scan.Options.Progress;
// the line says files, uncompressed size, rate, ETA and findings), audit's
// event history lookup, and deploy and destroy for each change applied.
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
