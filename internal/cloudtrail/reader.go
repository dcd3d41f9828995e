package cloudtrail

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// This file is the streaming record reader: it yields the raw bytes of each
// record of a CloudTrail log file without decoding the file.
//
// Two formats are recognised from the first bytes:
//
//   - a delivered log file, {"Records":[{…},{…},…]}, plain or gzip-compressed
//     (CloudTrail always writes "Records" as the object's first and only key);
//   - JSON lines: a sequence of JSON objects separated by white space, each an
//     EventBridge event (its top level has "detail-type") or a CloudTrail record
//     (its top level has "eventVersion"), plain or gzip-compressed.
//
// Anything else is reported as ErrNotCloudTrail.
//
// Memory is bounded: the reader buffers one record at a time, and a record may
// be at most MaxRecordSize bytes (DefaultMaxRecordSize unless set). A larger
// record is skipped, not buffered: Next reports it with an error wrapping
// ErrRecordTooLarge and, called again, goes on with the next record (the reader
// keeps scanning the oversized record's bytes to find its end, so it
// resynchronises exactly). Every other error (a syntax error, truncated input, a
// corrupt gzip stream, a read error) ends the file: Next returns it again on
// every later call, and the file's remaining records are not read, since after
// a syntax error there is no reliable place to resume.
//
// Each record Next yields is one complete JSON object, checked to be valid JSON
// (strings, escapes, numbers, literals and nesting all validated), as
// FuzzReader verifies. Offsets count bytes of the decompressed stream from its
// start.

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
	gz     *gzip.Reader
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
}

const (
	modeDetect uint8 = iota
	modeRecords
	modeLines
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

// Reset makes r read src from its start, keeping r's buffers.
func (r *Reader) Reset(src io.Reader) {
	r.src = src
	r.base, r.start, r.pos, r.end = 0, 0, 0, 0
	r.srcEOF, r.srcErr, r.err = false, nil, nil
	r.mode = modeDetect
	r.first = true
	r.discard = false
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
			r.gz, err = gzip.NewReader(r.br)
		} else {
			err = r.gz.Reset(r.br)
		}
		if err != nil {
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
		return nil
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

// Scanner states.
const (
	stObjFirst uint8 = iota // after '{': a key or '}'
	stObjKey                // after ',' in an object: a key
	stColon                 // after a key
	stObjNext               // after a member: ',' or '}'
	stArrFirst              // after '[': a value or ']'
	stArrNext               // after an element: ',' or ']'
	stValue                 // a value
	stStr                   // inside a string
	stEsc                   // after a backslash in a string
	stHex1                  // \u escapes' hex digits
	stHex2
	stHex3
	stHex4
	stNumMinus // after '-'
	stNumZero  // after a leading 0
	stNumInt   // in the integer digits
	stNumDot   // after '.'
	stNumFrac  // in the fraction digits
	stNumE     // after 'e'
	stNumESign // after the exponent's sign
	stNumExp   // in the exponent digits
	stLit      // in true, false or null
	stDone
	// Structural mode's states.
	stFastOut // outside strings
	stFastStr // in a string
	stFastEsc // after a backslash in a string
)

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
	structural := r.structural && r.mode == modeRecords
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

// scan advances the record scanner over the buffered bytes. It returns with
// r.st == stDone when the record's object is complete, or when it needs more
// input.
func (r *Reader) scan() error {
	b := r.buf[:r.end]
	i := r.pos
	st := r.st
	for i < len(b) {
		switch st {
		case stStr:
			// Eight bytes at a time while none ends the string or starts an
			// escape, then byte by byte.
			for i+8 <= len(b) {
				if m := special(binary.LittleEndian.Uint64(b[i:])); m != 0 {
					// The lowest flagged byte is exact (the tricks' false
					// positives only follow a true one).
					i += bits.TrailingZeros64(m) >> 3
					goto end
				}
				i += 8
			}
			for i < len(b) && strTable[b[i]] {
				i++
			}
		end:
			if i == len(b) {
				r.pos, r.st = i, st
				return nil
			}
			switch c := b[i]; c {
			case '"':
				i++
				if r.inKey {
					r.inKey = false
					st = stColon
					if r.kind == 0 && len(r.stack) == 1 && !r.discard {
						r.topKey(b[r.start+r.keyStart : i-1])
					}
					// Fast path for the most common sequence, "key":"value".
					if i+1 < len(b) && b[i] == ':' && b[i+1] == '"' {
						i += 2
						st = stStr
					}
				} else {
					st = r.valueDone()
					// And for "value","key" and "value"},"key".
					for st == stObjNext && i < len(b) && b[i] == '}' && len(r.stack) > 1 {
						i++
						r.stack = r.stack[:len(r.stack)-1]
						st = r.valueDone()
					}
					if st == stObjNext && i+1 < len(b) && b[i] == ',' && b[i+1] == '"' {
						i += 2
						r.inKey = true
						r.keyStart = i - r.start
						st = stStr
					}
				}
			case '\\':
				i++
				st = stEsc
			default:
				return r.syntax(i, "control character %#02x in a string", c)
			}
		case stEsc:
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				st = stStr
			case 'u':
				st = stHex1
			default:
				return r.syntax(i, "invalid escape \\%c in a string", b[i])
			}
			i++
		case stHex1, stHex2, stHex3, stHex4:
			if !isHex(b[i]) {
				return r.syntax(i, "invalid \\u escape in a string")
			}
			i++
			if st == stHex4 {
				st = stStr
			} else {
				st++
			}
		case stObjFirst, stObjKey, stColon, stObjNext, stArrFirst, stArrNext, stValue:
			c := b[i]
			if wsTable[c] {
				i++
				continue
			}
			switch st {
			case stObjFirst, stObjKey:
				if c == '}' && st == stObjFirst {
					i++
					r.stack = r.stack[:len(r.stack)-1]
					st = r.valueDone()
					continue
				}
				if c != '"' {
					return r.syntax(i, "expected a key, found %q", c)
				}
				i++
				r.inKey = true
				r.keyStart = i - r.start
				st = stStr
			case stColon:
				if c != ':' {
					return r.syntax(i, "expected ':' after a key, found %q", c)
				}
				i++
				st = stValue
			case stObjNext:
				switch c {
				case ',':
					st = stObjKey
				case '}':
					r.stack = r.stack[:len(r.stack)-1]
					st = r.valueDone()
				default:
					return r.syntax(i, "expected ',' or '}' in an object, found %q", c)
				}
				i++
			case stArrNext:
				switch c {
				case ',':
					st = stValue
				case ']':
					r.stack = r.stack[:len(r.stack)-1]
					st = r.valueDone()
				default:
					return r.syntax(i, "expected ',' or ']' in an array, found %q", c)
				}
				i++
			case stArrFirst, stValue:
				if c == ']' && st == stArrFirst {
					i++
					r.stack = r.stack[:len(r.stack)-1]
					st = r.valueDone()
					continue
				}
				i++
				switch {
				case c == '"':
					st = stStr
				case c == '{' || c == '[':
					if len(r.stack) >= maxDepth {
						return r.syntax(i-1, "nested too deeply")
					}
					r.stack = append(r.stack, c)
					if c == '{' {
						st = stObjFirst
					} else {
						st = stArrFirst
					}
				case c == '-':
					st = stNumMinus
				case c == '0':
					st = stNumZero
				case c >= '1' && c <= '9':
					st = stNumInt
				case c == 't':
					r.lit, st = "rue", stLit
				case c == 'f':
					r.lit, st = "alse", stLit
				case c == 'n':
					r.lit, st = "ull", stLit
				default:
					return r.syntax(i-1, "expected a value, found %q", c)
				}
			}
		case stLit:
			if b[i] != r.lit[0] {
				return r.syntax(i, "invalid literal")
			}
			i++
			r.lit = r.lit[1:]
			if r.lit == "" {
				st = r.valueDone()
			}
		case stNumMinus, stNumZero, stNumInt, stNumDot, stNumFrac, stNumE, stNumESign, stNumExp:
			c := b[i]
			digit := c >= '0' && c <= '9'
			switch {
			case st == stNumMinus && c == '0':
				st = stNumZero
			case st == stNumMinus && digit:
				st = stNumInt
			case (st == stNumInt) && digit:
			case (st == stNumZero || st == stNumInt) && c == '.':
				st = stNumDot
			case (st == stNumDot || st == stNumFrac) && digit:
				st = stNumFrac
			case (st == stNumZero || st == stNumInt || st == stNumFrac) && (c == 'e' || c == 'E'):
				st = stNumE
			case st == stNumE && (c == '+' || c == '-'):
				st = stNumESign
			case (st == stNumE || st == stNumESign || st == stNumExp) && digit:
				st = stNumExp
			case st == stNumZero || st == stNumInt || st == stNumFrac || st == stNumExp:
				// The number ended; c belongs to what follows.
				st = r.valueDone()
				continue
			default:
				return r.syntax(i, "invalid number")
			}
			i++
		case stDone:
			r.pos, r.st = i, st
			return nil
		}
		if st == stDone {
			r.pos, r.st = i, st
			return nil
		}
	}
	r.pos, r.st = i, st
	return nil
}

// scanStructure is scan for structural mode: it follows strings and brackets
// only, until the record's object closes (r.st == stDone) or the buffered
// bytes run out.
func (r *Reader) scanStructure() error {
	b := r.buf[:r.end]
	i, st, depth := r.pos, r.st, r.depth
	for i < len(b) {
		switch st {
		case stFastStr:
			for i+8 <= len(b) {
				if m := quoteOrBackslash(binary.LittleEndian.Uint64(b[i:])); m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					goto end
				}
				i += 8
			}
			for i < len(b) && b[i] != '"' && b[i] != '\\' {
				i++
			}
			if i == len(b) {
				continue
			}
		end:
			if b[i] == '"' {
				st = stFastOut
			} else {
				st = stFastEsc
			}
			i++
		case stFastEsc:
			i++
			st = stFastStr
		default:
			c := b[i]
			i++
			switch c {
			case '"':
				st = stFastStr
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					if c != '}' {
						return r.syntax(i-1, "the record's object ends with %q", c)
					}
					r.pos, r.st, r.depth = i, stDone, 0
					return nil
				}
			}
		}
	}
	r.pos, r.st, r.depth = i, st, depth
	return nil
}

// quoteOrBackslash is special for structural mode: non-zero when a byte of v
// is '"' or '\\', the lowest flagged byte exact.
func quoteOrBackslash(v uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := v ^ (lo * '"')
	bs := v ^ (lo * '\\')
	return ((q-lo)&^q | (bs-lo)&^bs) & hi
}

// valueDone returns the state after a complete value.
func (r *Reader) valueDone() uint8 {
	if len(r.stack) == 0 {
		return stDone
	}
	if r.stack[len(r.stack)-1] == '{' {
		return stObjNext
	}
	return stArrNext
}

// topKey notes a top-level key of an object in lines mode.
func (r *Reader) topKey(key []byte) {
	switch string(key) {
	case "detail-type":
		r.kind = KindEvent
	case "eventVersion":
		r.kind = KindRecord
	}
}

func (r *Reader) syntax(i int, format string, args ...any) error {
	return &ReadError{Offset: r.base + int64(i), Err: fmt.Errorf("invalid JSON: "+format, args...)}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// special returns non-zero when one of the eight bytes of v is '"', '\\' or a
// control character (below 0x20): the classic "has zero byte" and "has byte
// less than" bit tricks, exact for "is there any".
func special(v uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := v ^ (lo * '"')
	bs := v ^ (lo * '\\')
	return ((q-lo)&^q | (bs-lo)&^bs | (v-lo*0x20)&^v) & hi
}

var wsTable = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// strTable says which bytes may appear in a string without ending it or
// starting an escape.
var strTable = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
