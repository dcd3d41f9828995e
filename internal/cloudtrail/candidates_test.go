package cloudtrail

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testNeedles = [][]byte{[]byte("Root"), []byte(`\u`)}

type candResult struct {
	Records []string
	Errors  []string
	Reread  bool
	Counted int64
}

// readHow says how readCandidates reads.
type readHow struct {
	small bool // one byte a read
	count bool // SetCountRecords
	tiny  bool // a buffer of 32 bytes to start with, so that it is compacted (and grown) often
}

// readCandidates reads input in candidate mode, as how says.
func readCandidates(t testing.TB, input []byte, max int, how readHow) candResult {
	t.Helper()
	var src io.Reader = bytes.NewReader(input)
	if how.small {
		src = &oneByteReader{input}
	}
	r := NewReader(src)
	if how.tiny {
		r.buf = make([]byte, 32)
		r.Reset(src)
	}
	r.SetValidate(false)
	if max > 0 {
		r.SetMaxRecordSize(max)
	}
	r.SetCandidates(testNeedles...)
	r.SetCountRecords(how.count)
	var res candResult
	for i := 0; ; i++ {
		if i > len(input)+10 {
			t.Fatalf("candidate reader does not stop on %q", input)
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			msg := err.Error()
			if errors.Is(err, ErrReread) {
				// Where candidate mode gave up depends on its buffer's size;
				// the reread's verdict does not.
				msg = ErrReread.Error()
			}
			res.Errors = append(res.Errors, msg)
			if errors.Is(err, ErrRecordTooLarge) {
				continue
			}
			res.Reread = errors.Is(err, ErrReread)
			break
		}
		if rec.Data[0] != '{' || rec.Data[len(rec.Data)-1] != '}' {
			t.Fatalf("candidate record %q is not an object", rec.Data)
		}
		if r.Records() >= 0 && !containsNeedle(rec.Data) {
			t.Fatalf("candidate record %q contains no needle", rec.Data)
		}
		res.Records = append(res.Records, string(rec.Data))
	}
	res.Counted = r.Records()
	if !how.count && res.Counted != -1 {
		t.Fatalf("not counting, Records is %d", res.Counted)
	}
	return res
}

type oneByteReader struct{ b []byte }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.b[0]
	o.b = o.b[1:]
	return 1, nil
}

func containsNeedle(b []byte) bool {
	for _, n := range testNeedles {
		if bytes.Contains(b, n) {
			return true
		}
	}
	return false
}

// TestReaderCandidates: candidate mode yields exactly the records that
// contain a needle, counts every record when asked (and yields the same
// without counting), reports what the other modes report
// at the end of a file, and asks for a reread where it cannot be sure.
func TestReaderCandidates(t *testing.T) {
	plain := `{"eventVersion":"1.08","eventName":"GetObject","userIdentity":{"type":"IAMUser"}}`
	nested := `{"eventVersion":"1.08","userIdentity":{"type":"Root"},"requestParameters":{"doc":{"eventVersion":"x"}}}`
	big := `{"eventVersion":"1.08","pad":"` + strings.Repeat("x", 300<<10) + `","userIdentity":{"type":"Root"}}`
	records := func(recs ...string) string { return `{"Records":[` + strings.Join(recs, ",") + `]}` }
	tests := []struct {
		name    string
		input   string
		want    []string
		errs    []string // substrings, in order
		reread  bool
		counted int64
	}{
		{"none match", records(plain, rec2, plain), nil, nil, false, 3},
		{"matches", records(plain, rec1, plain, rec1), []string{rec1, rec1}, nil, false, 4},
		{"first and last", records(rec1, plain, rec1), []string{rec1, rec1}, nil, false, 3},
		{"escape", records(plain, `{"eventVersion":"1","userIdentity":{"type":"\u0052oot"}}`), []string{`{"eventVersion":"1","userIdentity":{"type":"\u0052oot"}}`}, nil, false, 2},
		{"empty", `{"Records":[]}`, nil, nil, false, -1},
		{"truncated in last record", records(plain, rec1)[:60+len(plain)], nil, []string{"truncated"}, false, 2},
		{"truncated after a match", `{"Records":[` + rec1 + `,` + plain, []string{rec1}, []string{"truncated"}, false, 2},
		{"truncated between records", `{"Records":[` + plain + `,`, nil, []string{"truncated"}, false, 1},
		{"no end of array", `{"Records":[` + plain, nil, []string{"truncated"}, false, 1},
		{"trailing garbage", records(plain, rec1) + "x", []string{rec1}, []string{"again"}, true, 2},
		{"nested start-alike after the record's evidence", records(plain, nested, plain), []string{nested}, nil, false, 3},
		{"evidence after a nested start-alike", records(plain, `{"eventVersion":"1","p":{"d":{"eventVersion":"x"}},"eventName":"AssumeRoot"}`), nil, []string{"again"}, true, 3},
		{"records that do not start with eventVersion are read whole", records(`{"eventName":"x","userIdentity":{"type":"Root"}}`), []string{`{"eventName":"x","userIdentity":{"type":"Root"}}`}, nil, false, -1},
		{"a later record that does not", records(plain, `{"eventName":"x","userIdentity":{"type":"Root"}}`), nil, []string{"again"}, true, 1},
		{"record larger than the buffer", records(plain, big, rec1), []string{big, rec1}, nil, false, 3},
		{"record larger than the maximum", records(plain, big, rec1), nil, []string{"again"}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := 0
			if strings.Contains(tt.name, "maximum") {
				max = 64 << 10
			}
			for _, input := range [][]byte{[]byte(tt.input), gz(t, []byte(tt.input))} {
				for _, small := range []bool{false, true} {
					if small && len(input) > 100<<10 {
						continue
					}
					got := readCandidates(t, input, max, readHow{small: small, count: true})
					for _, how := range []readHow{{small: small}, {small: small, tiny: true}, {small: small, tiny: true, count: true}} {
						other := readCandidates(t, input, max, how)
						if !how.count {
							other.Counted = got.Counted
						}
						if diff := cmp.Diff(got, other); diff != "" {
							t.Errorf("%+v: differs from counting (-counting +other):\n%s", how, diff)
						}
					}
					if diff := cmp.Diff(tt.want, got.Records); diff != "" {
						t.Errorf("small reads %v: records (-want +got):\n%s", small, diff)
					}
					if len(got.Errors) != len(tt.errs) {
						t.Fatalf("small reads %v: errors %q, want %q", small, got.Errors, tt.errs)
					}
					for i, e := range tt.errs {
						if !strings.Contains(got.Errors[i], e) {
							t.Errorf("small reads %v: error %q, want it to say %q", small, got.Errors[i], e)
						}
					}
					if got.Reread != tt.reread {
						t.Errorf("small reads %v: reread %v, want %v", small, got.Reread, tt.reread)
					}
					if !tt.reread && got.Counted != tt.counted {
						t.Errorf("small reads %v: counted %d records, want %d", small, got.Counted, tt.counted)
					}
				}
			}
		})
	}
}

// FuzzReaderCandidates checks candidate mode against delimiting mode: on a log
// file whose records all start as CloudTrail writes them and hold no nested
// look-alike of a record start, candidate mode yields exactly the records with
// a needle, never asks for a reread, and fails where delimiting mode reports
// truncation. On any input it stops, and what it yields are objects with a
// needle.
func FuzzReaderCandidates(f *testing.F) {
	f.Add([]byte(`{"Records":[` + rec1 + `,` + rec2 + `]}`))
	f.Add([]byte(`{"Records":[` + rec2 + `,` + rec1 + `,` + rec2 + `]}`))
	f.Add([]byte(`{"Records":[{"eventVersion":"1","a":"Roo"},{"eventVersion":"t"}]}`))
	f.Add([]byte(`{"Records":[{"eventVersion":"1","x":[{"eventVersion":"Root"}]}`))
	f.Add([]byte(`{"Records":[]}`))
	// R everywhere: the search changes to the pair filter (index.go).
	manyR := `{"eventVersion":"1","a":"` + strings.Repeat("RooRoRo", 40) + `"}`
	f.Add([]byte(`{"Records":[` + manyR + `,{"eventVersion":"1","t":"Root"},` + manyR + `]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := readCandidates(t, data, 1024, readHow{count: true})
		for _, how := range []readHow{{small: true, count: true}, {}, {small: true}, {tiny: true}, {tiny: true, count: true}} {
			res := readCandidates(t, data, 1024, how)
			if !how.count {
				res.Counted = got.Counted
			}
			if diff := cmp.Diff(got, res); diff != "" {
				t.Fatalf("%+v: differs from whole reads, counting (-want +got):\n%s", how, diff)
			}
		}
		// Delimiting mode's reading.
		r := NewReader(bytes.NewReader(data))
		r.SetValidate(false)
		r.SetMaxRecordSize(1024)
		var want []string
		var offsets []int64
		var lastEnd int64
		var failed error
		for i := 0; i <= len(data)+2; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if errors.Is(err, ErrRecordTooLarge) {
					continue
				}
				failed = err
				break
			}
			if !bytes.HasPrefix(rec.Data, recordStart) {
				return // not as CloudTrail writes: candidate mode may reread
			}
			offsets = append(offsets, rec.Offset)
			lastEnd = rec.Offset + int64(len(rec.Data))
			if containsNeedle(rec.Data) {
				want = append(want, string(rec.Data))
			}
		}
		// Every record start must be a record's.
		for i := 0; ; {
			j := bytes.Index(data[i:], recordStart)
			if j < 0 {
				break
			}
			if !slices.Contains(offsets, int64(i+j)) && (failed == nil || int64(i+j) < lastEnd) {
				return // a nested look-alike
			}
			i += j + 1
		}
		if bytes.Count(data, recordStart) > len(offsets)+1 || len(got.Errors) > 0 && strings.Contains(got.Errors[0], "too large") {
			return
		}
		if failed != nil && !errors.Is(failed, ErrTruncated) {
			return // not a log file: a reread gives the verdict
		}
		if got.Reread && failed == nil {
			t.Fatalf("reread on %q: %q", data, got.Errors)
		}
		if failed == nil && len(got.Errors) == 0 && !slices.Equal(got.Records, want) {
			t.Fatalf("candidate mode read %q, delimiting mode's records with a needle are %q", got.Records, want)
		}
		if errors.Is(failed, ErrTruncated) && len(got.Errors) == 0 {
			t.Fatalf("delimiting mode: %v; candidate mode saw no error in %q", failed, data)
		}
	})
}

// FuzzIndexNeedle checks IndexNeedle against bytes.Index.
func FuzzIndexNeedle(f *testing.F) {
	f.Add([]byte(`{"type":"Root"}`), []byte(`Root"`))
	f.Add([]byte(`RRoot"`), []byte(`Root"`))
	f.Add([]byte(`Roo`), []byte(`Root"`))
	f.Add([]byte(`a\u0052`), []byte(`\u`))
	f.Add([]byte(`abc`), []byte(`c`))
	// False starts enough to change to the pair filter, and a match after.
	f.Add(append(bytes.Repeat([]byte(`RoR"Roo`), 200), `Root"`...), []byte(`Root"`))
	f.Fuzz(func(t *testing.T, b, needle []byte) {
		if len(needle) == 0 {
			return
		}
		if got, want := IndexNeedle(b, needle), bytes.Index(b, needle); got != want {
			t.Fatalf("IndexNeedle(%q, %q) = %d, want %d", b, needle, got, want)
		}
	})
}
