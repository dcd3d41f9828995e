package cloudtrail

import (
	"bytes"
	"errors"
	"io"
)

// This file is candidate mode (SetCandidates): a delivered log file's records
// are not delimited one by one; the decompressed bytes are searched for the
// candidate byte strings, and only the record around each match is delimited
// (by machine.go's structural scan) and yielded.

// recordStart is how CloudTrail starts every record of a delivered log file:
// eventVersion is always its first key, and the file is written without white
// space between tokens. In valid JSON these bytes can only be the start of an
// object whose first key is eventVersion: a '{' inside a string would be
// followed by the string's closing quote and then the bare word eventVersion,
// which is not JSON.
var recordStart = []byte(`{"eventVersion"`)

// recordStartKey is the index in recordStart of the byte that searches for
// record starts look for: 'V', the rarest of recordStart's bytes in
// CloudTrail (about four a record; '{' is about seven).
const recordStartKey = 7

// ErrReread is wrapped by the error Next returns in candidate mode when it
// cannot place a candidate in a record on its own evidence (a file whose
// records do not start with eventVersion, an object nested in a record that
// starts like a record, a candidate in a record larger than the buffer): the
// records it yielded from this file may be incomplete, and the caller must
// read the file again in another mode. A file CloudTrail wrote never needs it.
var ErrReread = errors.New("candidate mode cannot place a match: read the file again without candidates")

// candidates is the Reader's candidate-mode state. Positions are absolute
// offsets in the decompressed input, so that they survive the buffer's
// compaction.
type candidates struct {
	needles [][]byte
	longest int     // the longest needle's length
	at      []int64 // per needle: its next match at or after pos, or -1: none before to
	to      []int64 // per needle: how far it has been searched
	count   bool    // SetCountRecords
	seen    int64   // record starts have been looked for up to here
	records int64   // record starts counted in this file (when counting)
	last    int64   // the last record start seen (-1: none)
	yielded int64   // end of the last record yielded (-1: none)
	active  bool    // this file is read in candidate mode
}

func (c *candidates) reset() {
	for i := range c.at {
		c.at[i], c.to[i] = -1, 0
	}
	c.seen, c.records, c.last, c.yielded, c.active = 0, 0, -1, -1, false
}

// SetCandidates switches the reader to candidate mode, or off with no needles.
//
// In candidate mode, of a delivered log file's records Next yields only the
// records that contain one of needles, byte for byte; the others are not
// delimited, only searched (bytes.Index, at memory speed), and counted by
// their starts if SetCountRecords asks for it. Lines files are read as
// without candidates.
//
// The mode rests on how CloudTrail writes a log file: with no white space
// between tokens and eventVersion as every record's first key, so that
// {"eventVersion" starts each record. For a match, the reader takes the
// nearest such start before it and delimits the object from there; when that
// object ends before the match, or no start is buffered, it cannot be sure of
// the record and Next returns an error wrapping ErrReread rather than guess.
// A file whose first record does not start that way is read in delimiting
// mode, whole. Truncation, a file that is not CloudTrail, and corrupt gzip
// streams are reported as in the other modes; a record damaged inside (say,
// unbalanced brackets) is noticed only when a match leads into it.
//
// Needles must be non-empty and must not occur inside {"eventVersion".
func (r *Reader) SetCandidates(needles ...[]byte) {
	c := &r.cand
	c.needles = needles
	c.longest = 0
	for _, n := range needles {
		c.longest = max(c.longest, len(n))
	}
	c.at = make([]int64, len(needles))
	c.to = make([]int64, len(needles))
	c.reset()
}

// SetCountRecords sets whether candidate mode counts the records it does not
// yield (Records). Counting costs a search for every record start: about a
// third of what candidate mode adds to decompression. Without it, candidate
// mode looks only for the last record start before each match and before
// each refill of its buffer.
func (r *Reader) SetCountRecords(v bool) { r.cand.count = v }

// Records returns how many records of a delivered log file candidate mode has
// counted so far (by their starts), or -1 outside candidate mode or when not
// counting (SetCountRecords).
func (r *Reader) Records() int64 {
	if !r.cand.active || !r.cand.count {
		return -1
	}
	return r.cand.records
}

// startCandidates switches a delivered log file to candidate mode when
// candidates are set and its first record starts as CloudTrail writes it.
// r.pos is after {"Records":[.
func (r *Reader) startCandidates() error {
	c := &r.cand
	if len(c.needles) == 0 {
		return nil
	}
	for r.end-r.pos < len(recordStart) {
		if err := r.fill(); err != nil {
			if err == io.EOF || err == errBufferFull {
				return nil // short: the other modes will say what it is
			}
			return err
		}
	}
	if !bytes.HasPrefix(r.buf[r.pos:r.end], recordStart) {
		return nil
	}
	r.mode = modeCandidates
	r.start = r.pos
	c.seen = r.abs(r.pos)
	c.active = true
	return nil
}

// abs and rel convert between buffer indexes and absolute offsets.
func (r *Reader) abs(i int) int64 { return r.base + int64(i) }
func (r *Reader) rel(a int64) int { return int(a - r.base) }
func (r *Reader) reread(off int64) error {
	return &ReadError{Offset: off, Err: ErrReread}
}

// nextCandidate returns the next record that contains a needle.
func (r *Reader) nextCandidate() (Record, error) {
	c := &r.cand
	for {
		m := r.findCandidate()
		if m < 0 {
			// No match in the buffer: read on. When the buffer is full (the
			// next fill moves what it keeps to its front), keep only the
			// bytes from the last record start (and those a needle or a
			// record start may still span): looking for record starts once
			// per buffer, not once per read, is what makes it cheap.
			r.pos = max(r.pos, r.end-c.longest+1)
			if r.end == len(r.buf) {
				r.see(r.end - len(recordStart) + 1)
				keep := r.pos
				if s := r.lastStart(); s >= 0 {
					keep = s
				}
				r.start = min(keep, r.rel(c.seen))
			}
			switch err := r.fill(); err {
			case nil:
			case errBufferFull:
				// A record larger than the largest buffer: drop its start;
				// a match in it will ask for a reread.
				r.start = min(r.pos, r.rel(c.seen))
				if err := r.fill(); err != nil && err != io.EOF {
					return Record{}, err
				}
			case io.EOF:
				return Record{}, r.finishCandidates()
			default:
				return Record{}, err
			}
			continue
		}
		// The record around the match at m: the nearest record start before.
		r.see(m)
		matchAt := r.abs(m)
		s := r.lastStart()
		if s < 0 {
			return Record{}, r.reread(matchAt)
		}
		r.pos = s
		rec, err := r.record(KindRecord)
		end := r.abs(r.pos)
		c.seen = max(c.seen, end)
		if err != nil {
			return Record{}, err
		}
		if end <= matchAt {
			return Record{}, r.reread(matchAt)
		}
		c.yielded = end
		return rec, nil
	}
}

// findCandidate returns the buffer index of the first needle match at or after
// r.pos, or -1.
func (r *Reader) findCandidate() int {
	c := &r.cand
	pos, end := r.abs(r.pos), r.abs(r.end)
	best := int64(-1)
	for i, n := range c.needles {
		at := c.at[i]
		if at < pos && !(at < 0 && c.to[i] >= end) {
			from := pos
			if at < 0 {
				from = max(pos, c.to[i]-int64(len(n))+1)
			}
			at = -1
			if j := IndexNeedle(r.buf[r.rel(from):r.end], n); j >= 0 {
				at = from + int64(j)
			}
			c.at[i], c.to[i] = at, end
		}
		if at >= pos && (best < 0 || at < best) {
			best = at
		}
	}
	if best < 0 {
		return -1
	}
	return r.rel(best)
}

// see looks at the record starts that begin before buffer index to and were
// not looked at yet: it counts them (SetCountRecords) or only finds the last.
func (r *Reader) see(to int) {
	c := &r.cand
	from := r.rel(c.seen)
	hi := min(to+len(recordStart)-1, r.end)
	if hi-from < len(recordStart) {
		return
	}
	if c.count {
		r.countStarts(from, hi)
	} else if s := lastRecordStart(r.buf[from:hi]); s >= 0 {
		c.last = r.abs(from + s)
	}
	// Starts at or after hi-len+1 are not whole yet: see them next time.
	c.seen = r.abs(hi - len(recordStart) + 1)
}

// countStarts counts the record starts in buf[from:hi], noting the last.
func (r *Reader) countStarts(from, hi int) {
	c := &r.cand
	// Each 'V' at i may be the key byte of a start at i-recordStartKey.
	key := recordStart[recordStartKey]
	b := r.buf[:hi-(len(recordStart)-1-recordStartKey)]
	for i := from + recordStartKey; ; i++ {
		j := bytes.IndexByte(b[i:], key)
		if j < 0 {
			break
		}
		i += j
		if s := i - recordStartKey; string(r.buf[s:s+len(recordStart)]) == string(recordStart) {
			c.records++
			c.last = r.abs(s)
		}
	}
}

// lastRecordStart returns the index of the last record start in b, or -1. It
// searches backwards, so it reads about half a record when b holds records.
func lastRecordStart(b []byte) int {
	const k = recordStartKey
	for end := len(b) - (len(recordStart) - 1 - k); end > k; {
		i := bytes.LastIndexByte(b[k:end], recordStart[k])
		if i < 0 {
			return -1
		}
		if bytes.HasPrefix(b[i:], recordStart) {
			return i
		}
		end = k + i
	}
	return -1
}

// lastStart returns the buffer index of the last record start seen, or -1
// when there is none at or after r.start.
func (r *Reader) lastStart() int {
	if r.cand.last < r.abs(r.start) {
		return -1
	}
	return r.rel(r.cand.last)
}

// finishCandidates checks the end of a file read in candidate mode: its last
// record and the end of the Records array and of the log file's object.
// Whatever does not fit a log file CloudTrail wrote asks for a reread, whose
// exact reading gives the verdict.
func (r *Reader) finishCandidates() error {
	c := &r.cand
	r.see(r.end)
	s := r.lastStart()
	switch {
	case s >= 0 && r.abs(s) >= c.yielded:
		// The last record: delimit it.
		r.pos = s
		if _, err := r.record(KindRecord); err != nil && !errors.Is(err, ErrRecordTooLarge) {
			return err
		}
	case c.yielded >= r.abs(r.start):
		// A match delimited it already.
		r.pos = r.rel(c.yielded)
	case c.yielded > c.last:
		// A match delimited the last record, and more than a buffer of bytes
		// without a record start followed it: not as CloudTrail writes.
		return r.reread(c.yielded)
	default:
		return r.finishTail()
	}
	b, err := r.peekNonSpace()
	if err != nil {
		return r.eofError(err, "inside the Records array")
	}
	if b == ',' {
		r.pos++
		if _, err := r.peekNonSpace(); err != nil {
			return r.eofError(err, "inside the Records array")
		}
	}
	if b != ']' {
		return r.reread(r.abs(r.pos))
	}
	r.pos++
	r.mode = modeRecords
	if err := r.finishRecords(); err != io.EOF {
		var re *ReadError
		if errors.As(err, &re) && errors.Is(err, ErrNotCloudTrail) {
			return r.reread(re.Offset)
		}
		return err
	}
	return io.EOF
}

// finishTail checks the end of a file whose last record's start is no longer
// buffered (a record larger than the buffer): the bytes must end with }]}.
func (r *Reader) finishTail() error {
	b := bytes.TrimRight(r.buf[r.start:r.end], " \t\r\n")
	for _, want := range []byte("}]}") {
		if len(b) == 0 || b[len(b)-1] != want {
			return r.fail(r.abs(r.end), "%w: the input ends inside the Records array", ErrTruncated)
		}
		b = bytes.TrimRight(b[:len(b)-1], " \t\r\n")
	}
	return io.EOF
}
