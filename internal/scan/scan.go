// Package scan finds root activity in CloudTrail history and archives: log files
// on disk, in S3, and the 90-day event history that LookupEvents serves.
//
// Every record that may be root activity goes through the same path: the
// CloudTrail bridge turns it into the EventBridge event AWS would deliver, and
// the rule pack's classifier says which kind of root activity it is, if any.
// Files are read in parallel by a pool of workers, each streaming one file at
// a time with a cloudtrail.Reader, so memory stays bounded whatever the
// archive's size. Findings are passed on as soon as their turn comes, in an
// order that does not depend on the parallelism (stream.go: by file, then
// offset), so memory does not grow with them either.
//
// Speed: a scan costs little more than decompressing the archive
// (klauspost/compress's inflate). The readers do not delimit a log file's
// records: they search the decompressed bytes for what every root event
// contains (Prefilter's bytes, at memory speed) and delimit, validate, bridge
// and classify only the records around a match (cloudtrail's candidate mode,
// which reads a file again whole when it cannot place a match). So a record
// that is damaged inside but cannot be root activity goes unreported;
// truncation, files that are not CloudTrail and corrupt gzip streams are always
// reported. S3 objects are fetched ahead into memory (a few per worker) so
// that workers do not wait on requests.
//
// Bad input never stops a scan: a corrupt gzip stream, truncated JSON, a file
// that is not CloudTrail, an oversized record or an unreadable file each give
// one Error (source and offset) in the Result, and the scan goes on.
package scan

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloudtrail"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// Classifier says which kind of root activity an EventBridge event is.
// *rules.Classifier is one.
type Classifier interface {
	Classify(event []byte) (rules.Rule, bool, error)
}

// Options configure a scan. The zero value scans everything with the rule pack.
type Options struct {
	// Since and Until bound the events reported (zero: unbounded). They also
	// prune what is read: date directories and files whose names' timestamps
	// lie outside the window (with an hour of slack for late delivery), S3
	// prefixes, and LookupEvents' time range.
	Since, Until time.Time
	// Accounts and Regions, when not empty, prune the AWSLogs layout's
	// account and region levels (on disk and in S3) to these; where a path
	// does not tell the account or region (a file or directory outside the
	// layout), each record's recipientAccountId and awsRegion must be among
	// them. Lookup's events must be of Accounts; Regions choose the regions
	// read (the global region always is).
	Accounts, Regions []string
	// Workers is how many files are read at once (default: GOMAXPROCS).
	Workers int
	// MaxRecordSize is the largest record read (default
	// cloudtrail.DefaultMaxRecordSize); larger ones are reported and skipped.
	MaxRecordSize int
	// Classifier classifies events (default: rules.NewClassifier()).
	Classifier Classifier
	// Account reaches S3 (s3:// targets) and CloudTrail (Lookup).
	Account cloud.Account
	// Lookup also reads LookupEvents' history in every enabled region.
	Lookup bool
	// Pacing of LookupEvents; zero fields take the defaults (2 requests per
	// second per region, AWS's limit).
	LookupPacing Pacing
	// Progress, when set, is called about every ProgressEvery (default 250ms)
	// with the scan's statistics so far, and once at the end, from one
	// goroutine at a time.
	Progress      func(Stats)
	ProgressEvery time.Duration
	// NoPrefilter classifies every record; by default only records that can
	// match a rule (see Prefilter) are bridged and classified.
	NoPrefilter bool
	// Emit, when set, is passed each finding as soon as its turn in the
	// output order comes (see stream.go), from one goroutine at a time, and
	// Result.Findings stays empty: memory does not grow with the findings.
	// An error from Emit stops the scan, and Scan returns it.
	Emit func(Finding) error

	noPrefetch bool // for BenchmarkScanS3: every worker waits on its own requests
}

// Stats count what a scan has read.
type Stats struct {
	Files      int64 // files read to their end or their first error (not cut short by an interruption)
	TotalFiles int64 // files found so far
	Compressed int64 // bytes of files read, as stored
	TotalSize  int64 // bytes of files found so far, as stored
	Bytes      int64 // bytes of CloudTrail JSON read (decompressed)
	// HistoryEvents counts the events read from the event history
	// (LookupEvents). Log files' records are not counted: the readers do not
	// delimit most of them (see Prefilter); Bytes says how much was read.
	HistoryEvents int64
	Findings      int64
	Errors        int64
	// ExcludedFiles and ExcludedDirs count the log files and the AWSLogs
	// directories (S3 prefixes) that --since/--until/--accounts/--regions
	// excluded from the listing.
	ExcludedFiles, ExcludedDirs int64
	Listed                      bool // all files have been found (TotalFiles is final)
	// Regions and RegionsDone count the regions whose event history is read
	// (Lookup), and those read to their end or their first error.
	Regions, RegionsDone int64
	Elapsed              time.Duration
}

// Finding is one event the rule pack classified as root activity.
type Finding struct {
	Rule    rules.Rule
	Summary cloudtrail.Summary
	// Source is where the record was read: a file's path, an s3:// URL, or
	// "lookup:REGION".
	Source string
	// Offset is the record's offset in the decompressed file, or its index in
	// a region's LookupEvents answer.
	Offset int64
	// Record is the raw CloudTrail record (for a file of EventBridge events,
	// the raw event).
	Record []byte
}

// Error is a problem with one source; the scan went on without it (or
// without the rest of it).
type Error struct {
	Source string
	Offset int64 // -1 when the error is not at an offset
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %v", e.Source, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// MaxErrors is how many errors a Result keeps; the count goes on.
const MaxErrors = 1000

// Result is what a scan found.
type Result struct {
	// Findings, in the output order (see stream.go), each event once; empty
	// when Options.Emit took them.
	Findings []Finding
	// Errors, sorted by source and offset; at most MaxErrors of them
	// (Stats.Errors counts them all).
	Errors []*Error
	Stats  Stats
	// ByKind counts findings by rule ID.
	ByKind map[string]int
	// Interrupted: the scan was cancelled; Findings and Stats are what it
	// had read by then.
	Interrupted bool
}

// Prefilter reports whether a raw record or event may match a root-activity
// rule of the pack. Every such rule requires, as an exact string match,
// userIdentity.type "Root" (or a session issuer's), sessionContext's
// assumedRoot, or eventName "AssumeRoot" (TestPrefilterSound checks this
// against the pack). Written in JSON, each of those strings ends with the
// bytes Root" ("Root", "assumedRoot", "AssumeRoot") unless escapes spell it
// otherwise, so a record without Root" and without any \u escape cannot
// match. The closing quote matters: Root alone is also in ListRoots, an
// Organizations call that consoles and tools make often. The readers search for the same bytes (cloudtrail's candidate
// mode): the great majority of records are never delimited, bridged or
// classified.
func Prefilter(b []byte) bool {
	return bytes.Contains(b, rootBytes) || bytes.Contains(b, escapeBytes)
}

var (
	rootBytes   = []byte(`Root"`)
	escapeBytes = []byte(`\u`)
)

// Scan scans targets (local paths and s3://bucket/prefix URLs) and, when
// o.Lookup is set, the event history. It returns an error when the scan could
// not be done at all (no account for an s3 target, a bad URL), when o.Emit
// failed, and when ctx was cancelled: then the Result has what was found
// until then (Interrupted is set). Problems with sources are in Result.Errors.
func Scan(ctx context.Context, targets []string, o Options) (Result, error) {
	if o.Classifier == nil {
		o.Classifier = rules.NewClassifier()
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 250 * time.Millisecond
	}
	s := &scanner{o: o, start: time.Now(), filter: newFilter(o), fetching: make(chan struct{}, prefetchPerWorker*o.Workers)}
	var srcs []source
	for _, t := range targets {
		src, err := s.parseTarget(t)
		if err != nil {
			return Result{}, err
		}
		srcs = append(srcs, src)
	}
	if o.Lookup && o.Account == nil {
		return Result{}, errors.New("scan --lookup: no AWS account")
	}

	scanCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.out = newEmitter(o.Emit, windowPerWorker*o.Workers, cancel)
	stopWake := context.AfterFunc(scanCtx, s.out.wake)
	defer stopWake()
	// Listed files wait here for a worker (S3 objects being fetched ahead
	// meanwhile); the reorder window bounds how many.
	files := make(chan file, windowPerWorker*o.Workers)
	var wg sync.WaitGroup
	// Producer: find the files, each with its place in the output order.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(files)
		for _, src := range srcs {
			src.files(scanCtx, s, func(f file) bool {
				s.totalFiles.Add(1)
				s.totalSize.Add(f.size)
				seq, ok := s.out.reserve(scanCtx)
				if !ok {
					return false
				}
				f.seq = seq
				select {
				case files <- f:
					return true
				case <-scanCtx.Done():
					return false
				}
			})
		}
		s.listed.Store(true)
	}()
	// Workers: read them.
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := s.newWorker()
			for f := range files {
				if scanCtx.Err() != nil {
					continue
				}
				w.file(scanCtx, f)
				s.out.done(f.seq, w.findings)
				w.findings = nil
			}
			s.merge(w)
		}()
	}
	// History.
	var hwg sync.WaitGroup
	if o.Lookup {
		hwg.Add(1)
		go func() {
			defer hwg.Done()
			s.lookup(scanCtx)
		}()
	}
	// Progress.
	done := make(chan struct{})
	var pwg sync.WaitGroup
	if o.Progress != nil {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			t := time.NewTicker(o.ProgressEvery)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					o.Progress(s.stats())
				}
			}
		}()
	}
	wg.Wait()
	hwg.Wait()
	// Files finished after one that never will (interrupted), then history.
	s.out.flush()
	s.out.history(s.history)
	close(done)
	pwg.Wait()
	if o.Progress != nil {
		o.Progress(s.stats()) // the final state, once
	}
	res := s.result()
	if s.out.err != nil {
		return res, s.out.err
	}
	if err := ctx.Err(); err != nil {
		res.Interrupted = true
		return res, err
	}
	return res, nil
}

// scanner is one scan's shared state.
type scanner struct {
	o      Options
	start  time.Time
	filter filter

	files, totalFiles, compressed, totalSize, bytes, historyEvents, findingsN, errorsN atomic.Int64
	excludedFiles, excludedDirs                                                        atomic.Int64
	regions, regionsDone                                                               atomic.Int64
	listed                                                                             atomic.Bool

	out      *emitter
	fetching chan struct{} // a place per S3 object fetched ahead (sources.go)

	mu      sync.Mutex
	history []Finding // the event history's findings
	errs    []*Error
}

func (s *scanner) stats() Stats {
	return Stats{
		Files: s.files.Load(), TotalFiles: s.totalFiles.Load(),
		Compressed: s.compressed.Load(), TotalSize: s.totalSize.Load(),
		Bytes: s.bytes.Load(), HistoryEvents: s.historyEvents.Load(),
		Findings: s.findingsN.Load(), Errors: s.errorsN.Load(),
		ExcludedFiles: s.excludedFiles.Load(), ExcludedDirs: s.excludedDirs.Load(),
		Listed: s.listed.Load(), Elapsed: time.Since(s.start),
		Regions: s.regions.Load(), RegionsDone: s.regionsDone.Load(),
	}
}

// addError records an error that is not a worker's (listing, lookup).
func (s *scanner) addError(e *Error) {
	s.errorsN.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) < MaxErrors {
		s.errs = append(s.errs, e)
	}
}

// merge takes a worker's errors, and its findings (of the event history: a
// file's are passed on as each file is done).
func (s *scanner) merge(w *worker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.history = append(s.history, w.findings...)
	for _, e := range w.errs {
		if len(s.errs) < MaxErrors {
			s.errs = append(s.errs, e)
		}
	}
}

func (s *scanner) result() Result {
	r := Result{Stats: s.stats(), ByKind: s.out.byKind, Findings: s.out.collected}
	r.Stats.Findings = s.out.n
	r.Errors = s.errs
	slices.SortFunc(r.Errors, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.Err.Error(), b.Err.Error()))
	})
	return r
}

// worker reads files one at a time.
type worker struct {
	s        *scanner
	rd       *cloudtrail.Reader
	event    []byte
	findings []Finding
	errs     []*Error
	// newFindings counts the findings of the file being read.
	newFindings int
	// only is what of --accounts/--regions the records of the file being
	// read must pass (file.records).
	only filter
}

func (s *scanner) newWorker() *worker {
	w := &worker{s: s, rd: cloudtrail.NewReader(bytes.NewReader(nil))}
	// klauspost's inflate is about a third faster than compress/gzip's.
	w.rd.SetDecompressor(new(kgzip.Reader))
	// Records are delimited, not validated, by the reader; the few that
	// pass the prefilter are validated in record.
	w.rd.SetValidate(false)
	if !s.o.NoPrefilter {
		// Only the records around the prefilter's bytes are delimited at
		// all: see Prefilter.
		w.rd.SetCandidates(rootBytes, escapeBytes)
	}
	if s.o.MaxRecordSize > 0 {
		w.rd.SetMaxRecordSize(s.o.MaxRecordSize)
	}
	return w
}

func (w *worker) error(source string, err error) {
	w.s.errorsN.Add(1)
	off := int64(-1)
	var re *cloudtrail.ReadError
	if errors.As(err, &re) {
		off = re.Offset
	}
	if len(w.errs) < MaxErrors {
		w.errs = append(w.errs, &Error{Source: source, Offset: off, Err: err})
	}
}

// countingReader counts the bytes read from a file as stored, in the scan's
// total and in its own (taken back when the file is read again).
type countingReader struct {
	r     io.Reader
	n     *atomic.Int64
	count int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	c.count += int64(n)
	return n, err
}

// file reads one file: in candidate mode, and again whole when candidate
// mode cannot place a match (cloudtrail.ErrReread).
func (w *worker) file(ctx context.Context, f file) {
	s := w.s
	defer func() {
		if ctx.Err() == nil { // read whole
			s.files.Add(1)
		}
	}()
	mark := len(w.findings)
	w.only = f.records
	err := w.read(ctx, f, true)
	if errors.Is(err, cloudtrail.ErrReread) {
		w.findings = w.findings[:mark]
		w.s.findingsN.Add(-int64(w.newFindings))
		err = w.read(ctx, f, false)
	}
	if err != nil && ctx.Err() == nil {
		w.error(f.name, err)
	}
}

// read reads one file, in candidate mode unless told otherwise, and returns
// the error that ended it (or an ErrReread).
func (w *worker) read(ctx context.Context, f file, candidates bool) error {
	s := w.s
	rc, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	// Interrupted: stop reading (a pipe or a network stream may block).
	defer context.AfterFunc(ctx, func() { rc.Close() })()
	if !candidates {
		w.rd.SetCandidates()
		defer w.rd.SetCandidates(rootBytes, escapeBytes)
	}
	counted := &countingReader{r: rc, n: &s.compressed}
	w.rd.Reset(counted)
	var last int64
	w.newFindings = 0
	// The first record that is not CloudTrail (or not JSON) is reported once
	// the file is read, unless the file ends with an error, which explains it
	// (a corrupt gzip stream yields garbage before its checksum fails): one
	// line per file.
	var recordErr error
	var fileErr error
	for {
		rec, err := w.rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, cloudtrail.ErrReread) {
				s.bytes.Add(-last)
				s.compressed.Add(-counted.count)
				return err
			}
			if errors.Is(err, cloudtrail.ErrRecordTooLarge) {
				w.error(f.name, err)
				continue
			}
			fileErr = err
			break
		}
		if rec.Offset-last > 1<<20 {
			s.bytes.Add(rec.Offset - last)
			last = rec.Offset
		}
		if err := w.record(f.name, rec.Offset, rec.Data, rec.Kind); err != nil && recordErr == nil {
			recordErr = &cloudtrail.ReadError{Offset: rec.Offset, Err: err}
		}
	}
	s.bytes.Add(w.rd.Offset() - last)
	if fileErr != nil {
		return fileErr
	}
	return recordErr
}

// record classifies one record or event and keeps it when it is a finding.
func (w *worker) record(source string, off int64, data []byte, kind cloudtrail.Kind) error {
	s := w.s
	if !s.o.NoPrefilter && !Prefilter(data) {
		return nil
	}
	if !json.Valid(data) {
		return errors.New("invalid JSON")
	}
	ev := data
	if kind != cloudtrail.KindEvent {
		var err error
		w.event, err = cloudtrail.AppendEvent(w.event[:0], data)
		if err != nil {
			return err
		}
		ev = w.event
	}
	rule, ok, err := s.o.Classifier.Classify(ev)
	if err != nil {
		return fmt.Errorf("classify: %w", err)
	}
	if !ok {
		return nil
	}
	sum, err := cloudtrail.Summarize(data)
	if err != nil {
		return err
	}
	if !s.filter.inWindow(sum.Time) || !w.only.record(sum.Account, sum.Region) {
		return nil
	}
	s.findingsN.Add(1)
	w.newFindings++
	w.findings = append(w.findings, Finding{Rule: rule, Summary: sum, Source: source, Offset: off, Record: bytes.Clone(data)})
	return nil
}
