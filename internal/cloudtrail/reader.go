package cloudtrail

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// This file is the Reader's API and its buffering: detection of the format
// and of compression, the Records array around the records, refilling the
// buffer. The byte state machine that finds a record's end is in machine.go;
// candidate mode (SetCandidates) is in candidates.go. The package doc
// describes what the Reader promises.

// DefaultMaxRecordSize is the largest record a Reader buffers unless told
// otherwise. CloudTrail records are a few KB; the largest are well under 1 MB.
const DefaultMaxRecordSize = 16 << 20

// maxDepth bounds the nesting of objects and arrays, as encoding/json does.
const maxDepth = 10000

// ErrRecordTooLarge is wrapped by the error Next returns for a record larger
// than the reader's maximum; the record was skipped and reading may go on.
var ErrRecordTooLarge = errors.New("record too large")

// ErrNotCloudTrail is wrapped by the error for input that is neither a
// delivered log file nor JSON lines of events or records.
var ErrNotCloudTrail = errors.New("not CloudTrail")

// ErrTruncated is wrapped by the error for input that ends inside a record.
var ErrTruncated = errors.New("truncated")

// Kind says what a record read by a Reader is.
type Kind uint8

const (
	// KindRecord is a CloudTrail log record.
	KindRecord Kind = iota + 1
	// KindEvent is an EventBridge event.
	KindEvent
)

func (k Kind) String() string {
	switch k {
	case KindRecord:
		return "record"
	case KindEvent:
		return "event"
	}
	return "unknown"
}

// Record is one record read from a file.
type Record struct {
	// Data is the record's JSON object. It is valid only until the next call
	// to Next.
	Data []byte
	// Offset is the offset of the record's first byte in the decompressed input.
	Offset int64
	Kind   Kind
}

// ReadError is an error at an offset of the (decompressed) input.
type ReadError struct {
	Offset int64
	Err    error
}

func (e *ReadError) Error() string { return fmt.Sprintf("offset %d: %v", e.Offset, e.Err) }
func (e *ReadError) Unwrap() error { return e.Err }

// Reader reads records from a CloudTrail log file or a JSON-lines file.
// A Reader may be reused for another file with Reset, keeping its buffers.
type Reader struct {
	src    io.Reader
	br     *bufio.Reader
	gz     Decompressor
	max    int
	buf    []byte
	base   int64 // input offset of buf[0]
	start  int   // first byte still needed (the current record's start)
	pos    int   // scan position
	end    int   // end of valid data
	srcEOF bool
	srcErr error // the error that ended src (io.EOF included)
	err    error // sticky error that ended the file
	mode   uint8
	first  bool // in records mode: no record yet

	// Record scanner state.
	st        uint8
	inKey     bool
	stack     []byte // '{' or '[' per open container
	lit       string // remaining bytes of a literal being matched
	keyStart  int    // offset of a top-level key in the record, in lines mode
	kind      Kind
	discard   bool  // skipping an oversized record
	recOffset int64 // input offset of the current record

	structural bool // SetValidate(false): records of a log file are delimited, not validated
	depth      int  // nesting depth, in structural mode

	cand candidates // SetCandidates's state (candidates.go)
}

// Decompressor is a reusable gzip reader: compress/gzip's *Reader is one, and
// so is github.com/klauspost/compress/gzip's.
type Decompressor interface {
	io.Reader
	// Reset makes the Decompressor read the gzip stream of r from its start.
	Reset(r io.Reader) error
}

const (
	modeDetect uint8 = iota
	modeRecords
	modeLines
	modeCandidates // a delivered log file in candidate mode (candidates.go)
	modeDone
)

// NewReader returns a Reader of src, which may be gzip-compressed.
func NewReader(src io.Reader) *Reader {
	r := &Reader{max: DefaultMaxRecordSize}
	r.Reset(src)
	return r
}

// SetMaxRecordSize sets the largest record the reader buffers (at least 1 KiB).
func (r *Reader) SetMaxRecordSize(n int) {
	if n < 1024 {
		n = 1024
	}
	r.max = n
}

// SetValidate sets whether the records of a delivered log file are validated
// as JSON (the default) or only delimited: in the latter mode the reader
// follows strings (with their escapes) and brackets to find each record's end,
// about twice as fast, and a record it yields is a balanced object that may
// still be invalid JSON inside (a bad number or literal, a bad escape, a
// control character in a string): the caller validates the records it uses
// (json.Valid). Truncation, a file that is not CloudTrail, and corrupt gzip
// streams (whose checksum fails at the end) are reported in either mode. JSON
// lines are always validated.
func (r *Reader) SetValidate(v bool) { r.structural = !v }

// SetDecompressor makes the reader decompress gzip input with d, reset for
// each file, instead of with compress/gzip.
func (r *Reader) SetDecompressor(d Decompressor) { r.gz = d }

// Reset makes r read src from its start, keeping r's buffers and settings.
func (r *Reader) Reset(src io.Reader) {
	r.src = src
	r.base, r.start, r.pos, r.end = 0, 0, 0, 0
	r.srcEOF, r.srcErr, r.err = false, nil, nil
	r.mode = modeDetect
	r.first = true
	r.discard = false
	r.cand.reset()
	if r.buf == nil {
		r.buf = make([]byte, 256<<10)
	}
}

// Offset returns how many bytes of decompressed input the reader has consumed.
func (r *Reader) Offset() int64 { return r.base + int64(r.pos) }

// Next returns the next record. At the end of the input it returns io.EOF.
// An error wrapping ErrRecordTooLarge means that one record was skipped; any
// other error ends the file (and Next returns it again).
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	rec, err := r.next()
	if err != nil && !errors.Is(err, ErrRecordTooLarge) {
		r.err = err
		r.mode = modeDone
	}
	return rec, err
}

func (r *Reader) fail(off int64, format string, args ...any) error {
	return &ReadError{Offset: off, Err: fmt.Errorf(format, args...)}
}

func (r *Reader) next() (Record, error) {
	if r.mode == modeDetect {
		if err := r.detect(); err != nil {
			return Record{}, err
		}
	}
	switch r.mode {
	case modeCandidates:
		return r.nextCandidate()
	case modeRecords:
		c, err := r.peekNonSpace()
		if err != nil {
			return Record{}, r.eofError(err, "inside the Records array")
		}
		if r.first {
			r.first = false
			if c == ']' {
				r.pos++
				return Record{}, r.finishRecords()
			}
		} else {
			switch c {
			case ']':
				r.pos++
				return Record{}, r.finishRecords()
			case ',':
				r.pos++
				if c, err = r.peekNonSpace(); err != nil {
					return Record{}, r.eofError(err, "inside the Records array")
				}
			default:
				return Record{}, r.fail(r.Offset(), "%w: expected ',' or ']' after a record, found %q", ErrNotCloudTrail, c)
			}
		}
		if c != '{' {
			return Record{}, r.fail(r.Offset(), "%w: an element of Records is not a JSON object", ErrNotCloudTrail)
		}
		return r.record(KindRecord)
	case modeLines:
		c, err := r.peekNonSpace()
		if err == io.EOF {
			r.mode = modeDone
			return Record{}, io.EOF
		}
		if err != nil {
			return Record{}, r.eofError(err, "")
		}
		if c != '{' {
			return Record{}, r.fail(r.Offset(), "%w: expected a JSON object, found %q", ErrNotCloudTrail, c)
		}
		return r.record(0)
	}
	return Record{}, io.EOF
}

// eofError turns the end of input where more was expected into an error; other
// errors are returned as they are.
func (r *Reader) eofError(err error, where string) error {
	if err != io.EOF {
		return err
	}
	if where != "" {
		where = " " + where
	}
	return r.fail(r.Offset(), "%w: the input ends%s", ErrTruncated, where)
}

// finishRecords checks that the Records array is followed by the end of the
// object and of the input.
func (r *Reader) finishRecords() error {
	c, err := r.peekNonSpace()
	if err != nil {
		return r.eofError(err, "before the end of the top-level object")
	}
	if c != '}' {
		return r.fail(r.Offset(), "%w: unexpected %q after the Records array", ErrNotCloudTrail, c)
	}
	r.pos++
	c, err = r.peekNonSpace()
	if err == io.EOF {
		r.mode = modeDone
		return io.EOF
	}
	if err != nil {
		return err
	}
	return r.fail(r.Offset(), "%w: unexpected %q after the log file's object", ErrNotCloudTrail, c)
}

// detect finds out whether the input is gzip-compressed and which format it
// has, leaving r.pos at the first record (records mode) or object (lines mode).
func (r *Reader) detect() error {
	// Peek at the first two bytes through a buffered reader, which gzip then
	// reads from directly (it needs an io.ByteReader; reading through a
	// large buffer also saves system calls).
	if r.br == nil {
		r.br = bufio.NewReaderSize(r.src, 64<<10)
	} else {
		r.br.Reset(r.src)
	}
	var src io.Reader = r.br
	hdr, err := r.br.Peek(2)
	if err != nil && err != io.EOF {
		return &ReadError{Offset: 0, Err: err}
	}
	if len(hdr) == 2 && hdr[0] == 0x1f && hdr[1] == 0x8b {
		if r.gz == nil {
			r.gz = new(gzip.Reader)
		}
		if err := r.gz.Reset(r.br); err != nil {
			return &ReadError{Offset: 0, Err: err}
		}
		src = r.gz
	}
	r.src = src

	c, err := r.peekNonSpace()
	if err == io.EOF {
		r.mode = modeDone
		return io.EOF // an empty file has no records
	}
	if err != nil {
		return err
	}
	if c != '{' {
		return r.fail(r.Offset(), "%w: expected a JSON object ({\"Records\":[…]} or JSON lines), found %q", ErrNotCloudTrail, c)
	}
	// Look for {"Records":[ without consuming: on a mismatch the object is
	// the first line of a JSON-lines file.
	obj := r.pos
	r.start = obj
	ok, err := r.header()
	if err != nil && err != io.EOF {
		return err
	}
	if ok {
		r.mode = modeRecords
		r.start = r.pos
		return r.startCandidates()
	}
	r.pos = obj
	r.mode = modeLines
	return nil
}

// header matches {"Records":[ at r.pos, allowing white space between tokens.
func (r *Reader) header() (bool, error) {
	r.pos++ // '{'
	for _, tok := range []string{`"Records"`, ":", "["} {
		c, err := r.peekNonSpaceKeep()
		if err != nil {
			return false, err
		}
		if c != tok[0] {
			return false, nil
		}
		for i := 0; i < len(tok); i++ {
			if r.pos >= r.end {
				if err := r.fill(); err != nil {
					return false, err
				}
			}
			if r.buf[r.pos] != tok[i] {
				return false, nil
			}
			r.pos++
		}
	}
	return true, nil
}

// peekNonSpace skips white space, discarding it, and returns the next byte
// without consuming it.
func (r *Reader) peekNonSpace() (byte, error) {
	r.start = r.pos
	c, err := r.peekNonSpaceKeep()
	r.start = r.pos
	return c, err
}

// peekNonSpaceKeep is peekNonSpace without discarding what precedes r.pos.
func (r *Reader) peekNonSpaceKeep() (byte, error) {
	for {
		b := r.buf[:r.end]
		i := r.pos
		for i < len(b) && wsTable[b[i]] {
			i++
		}
		r.pos = i
		if i < len(b) {
			return b[i], nil
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
}

var errBufferFull = errors.New("buffer full")

// fill reads more input, keeping buf[start:end]. It returns io.EOF at the end
// of the input, errBufferFull when the retained bytes fill the largest buffer
// allowed, and read errors as ReadErrors.
func (r *Reader) fill() error {
	if r.srcErr != nil {
		if r.srcErr == io.EOF {
			return io.EOF
		}
		return &ReadError{Offset: r.base + int64(r.end), Err: r.srcErr}
	}
	if r.start > 0 && r.end == len(r.buf) || r.start > len(r.buf)/2 {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.base += int64(r.start)
		r.pos -= r.start
		r.end = n
		r.start = 0
	}
	if r.end == len(r.buf) {
		if len(r.buf) >= r.max {
			return errBufferFull
		}
		size := 2 * len(r.buf)
		if size > r.max {
			size = r.max
		}
		nb := make([]byte, size)
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.srcErr = err
			if n > 0 {
				return nil
			}
			if err == io.EOF {
				return io.EOF
			}
			return &ReadError{Offset: r.base + int64(r.end), Err: err}
		}
		if n > 0 {
			return nil
		}
	}
	r.srcErr = io.ErrNoProgress
	return &ReadError{Offset: r.base + int64(r.end), Err: io.ErrNoProgress}
}

// record scans the object at r.pos. kind is the record's kind, or 0 to tell it
// from the object's top-level keys (lines mode).
func (r *Reader) record(kind Kind) (Record, error) {
	r.start = r.pos
	r.recOffset = r.base + int64(r.pos)
	r.stack = append(r.stack[:0], '{')
	r.st = stObjFirst
	r.inKey = false
	r.kind = kind
	r.discard = false
	r.pos++
	structural := r.structural && r.mode == modeRecords || r.mode == modeCandidates
	if structural {
		r.st = stFastOut
		r.depth = 1
	}
	for {
		var err error
		if structural {
			err = r.scanStructure()
		} else {
			err = r.scan()
		}
		if err != nil {
			return Record{}, err
		}
		if !r.discard && r.pos-r.start > r.max {
			// Too large: keep scanning for its end without buffering it.
			r.discard = true
			r.start = r.pos
		}
		if r.st == stDone {
			break
		}
		switch err := r.fill(); err {
		case nil:
		case errBufferFull:
			// Too large: keep scanning for its end without buffering it.
			r.discard = true
			r.start = r.pos
		case io.EOF:
			return Record{}, r.fail(r.base+int64(r.end), "%w: the input ends inside the record that starts at offset %d", ErrTruncated, r.recOffset)
		default:
			return Record{}, err
		}
		if r.discard {
			r.start = r.pos
		}
	}
	if r.discard {
		r.discard = false
		r.start = r.pos
		return Record{}, &ReadError{Offset: r.recOffset, Err: fmt.Errorf("%w: %d bytes, more than the %d allowed; record skipped", ErrRecordTooLarge, r.base+int64(r.pos)-r.recOffset, r.max)}
	}
	if r.kind == 0 {
		return Record{}, r.fail(r.recOffset, "%w: a JSON object that is neither a log file ({\"Records\":[…]}), an EventBridge event (no \"detail-type\") nor a CloudTrail record (no \"eventVersion\")", ErrNotCloudTrail)
	}
	rec := Record{Data: r.buf[r.start:r.pos], Offset: r.recOffset, Kind: r.kind}
	r.start = r.pos
	return rec, nil
}
