package scan

import (
	"cmp"
	"context"
	"crypto/sha256"
	"slices"
	"sync"
)

// This file is the scan's output order: findings are passed on as soon as
// their turn comes, in an order that does not depend on the parallelism, with
// memory bounded whatever the number of findings.
//
// The order: the targets in the order given; a target's files in the order
// they are listed (directories and S3 prefixes lexically); a file's findings
// by offset; then the event history's findings (Lookup), by region, then time.
// Workers finish files out of order: a finished file's findings wait in a
// reorder window until the files before it are done, and the listing does not
// hand out a file more than window places ahead of the first unfinished one,
// so the window holds the findings of at most that many files.
//
// The same event may be read twice (an organization trail and an account
// trail, the history of several regions): it is passed on once, the first
// time. The only memory that grows with the findings is this de-duplication's
// set: 16 bytes of a SHA-256 of each distinct event ID, a few bytes a finding
// as TestStreamingMemory measures it (keeping the findings costs ~4 KB each).

// windowPerWorker is the reorder window's size per worker, in files.
const windowPerWorker = 4

// emitter passes findings on in order.
type emitter struct {
	emit   func(Finding) error // nil: collect
	window int64

	mu        sync.Mutex
	ahead     sync.Cond // signalled when next advances
	next      int64     // the first file not yet passed on
	listed    int64     // files handed out
	pending   map[int64][]Finding
	seen      map[[16]byte]struct{}
	collected []Finding
	byKind    map[string]int
	n         int64
	err       error // Emit's first error
	cancel    context.CancelFunc
}

func newEmitter(emit func(Finding) error, window int, cancel context.CancelFunc) *emitter {
	e := &emitter{emit: emit, window: int64(window), pending: map[int64][]Finding{},
		seen: map[[16]byte]struct{}{}, byKind: map[string]int{}, cancel: cancel}
	e.ahead.L = &e.mu
	return e
}

// reserve returns the next file's place in the order, waiting while it would
// be more than the window ahead of the first unfinished file. It returns false
// when ctx is done.
func (e *emitter) reserve(ctx context.Context) (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.listed-e.next >= e.window && ctx.Err() == nil {
		e.ahead.Wait()
	}
	if ctx.Err() != nil {
		return 0, false
	}
	seq := e.listed
	e.listed++
	return seq, true
}

// wake releases a reserve waiting on a cancelled context.
func (e *emitter) wake() {
	e.mu.Lock()
	e.ahead.Broadcast()
	e.mu.Unlock()
}

// done passes on the findings of file seq (in offset order), and those of
// the files after it that were waiting for it.
func (e *emitter) done(seq int64, findings []Finding) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending[seq] = findings
	for {
		f, ok := e.pending[e.next]
		if !ok {
			break
		}
		delete(e.pending, e.next)
		e.next++
		e.pass(f)
	}
	e.ahead.Broadcast()
}

// flush passes on every finished file still waiting (for a file that will
// not finish: the scan was interrupted), in order.
func (e *emitter) flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	seqs := make([]int64, 0, len(e.pending))
	for s := range e.pending {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	for _, s := range seqs {
		e.pass(e.pending[s])
		delete(e.pending, s)
	}
}

// history passes on the event history's findings: by region, then time.
func (e *emitter) history(findings []Finding) {
	slices.SortFunc(findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), a.Summary.Time.Compare(b.Summary.Time),
			cmp.Compare(a.Summary.EventID, b.Summary.EventID), cmp.Compare(a.Offset, b.Offset))
	})
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pass(findings)
}

// pass passes findings on, each event once. e.mu is held.
func (e *emitter) pass(findings []Finding) {
	for _, f := range findings {
		if id := f.Summary.EventID; id != "" {
			h := sha256.Sum256([]byte(id))
			k := [16]byte(h[:16])
			if _, dup := e.seen[k]; dup {
				continue
			}
			e.seen[k] = struct{}{}
		}
		e.n++
		e.byKind[f.Rule.ID]++
		if e.err != nil {
			continue
		}
		if e.emit == nil {
			e.collected = append(e.collected, f)
		} else if err := e.emit(f); err != nil {
			e.err = err
			e.cancel()
		}
	}
}
