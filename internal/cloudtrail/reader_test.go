package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/ctgen"
)

// readAll reads every record of input with a reader whose largest record is
// max bytes (0: the default), returning the records' data, kinds, offsets, and
// the errors in order (io.EOF excluded).
type readResult struct {
	Records []string
	Kinds   []Kind
	Offsets []int64
	Errors  []string
}

func readAll(t testing.TB, input []byte, max int) readResult {
	t.Helper()
	r := NewReader(bytes.NewReader(input))
	if max > 0 {
		r.SetMaxRecordSize(max)
	}
	var res readResult
	for i := 0; ; i++ {
		if i > len(input)+10 {
			t.Fatalf("reader does not stop")
		}
		rec, err := r.Next()
		if err == io.EOF {
			return res
		}
		if err != nil {
			res.Errors = append(res.Errors, err.Error())
			if errors.Is(err, ErrRecordTooLarge) {
				continue
			}
			// A final error is returned again.
			if _, err2 := r.Next(); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("after %v, Next returned %v", err, err2)
			}
			return res
		}
		res.Records = append(res.Records, string(rec.Data))
		res.Kinds = append(res.Kinds, rec.Kind)
		res.Offsets = append(res.Offsets, rec.Offset)
	}
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

const (
	rec1 = `{"eventVersion":"1.08","userIdentity":{"type":"Root","arn":"arn:aws:iam::123456789012:root"},"eventName":"ConsoleLogin","n":[1,-2.5e3,0,true,false,null,"\u00e9\n"]}`
	rec2 = `{"eventVersion":"1.09","eventName":"GetObject","requestParameters":{"bucketName":"x","key":"a \"quoted\" \\ key"},"a":[],"o":{}}`
	ev1  = `{"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":{"eventName":"GetObject"}}`
)

func TestReader(t *testing.T) {
	delivered := `{"Records":[` + rec1 + `,` + rec2 + `]}`
	big := `{"eventVersion":"1.08","blob":"` + strings.Repeat("x", 5000) + `","nested":[{"a":"]}"}]}`
	tests := []struct {
		name  string
		input string
		max   int
		want  readResult
	}{
		{
			name:  "delivered",
			input: delivered,
			want:  readResult{Records: []string{rec1, rec2}, Kinds: []Kind{KindRecord, KindRecord}, Offsets: []int64{12, int64(13 + len(rec1))}},
		},
		{
			name:  "delivered with white space",
			input: " \n{ \"Records\" :\n [ " + rec1 + " ,\n" + rec2 + "\n ] } \n",
			want:  readResult{Records: []string{rec1, rec2}, Kinds: []Kind{KindRecord, KindRecord}, Offsets: []int64{19, int64(19 + len(rec1) + 3)}},
		},
		{
			name:  "empty Records",
			input: `{"Records":[]}`,
			want:  readResult{},
		},
		{
			name:  "empty file",
			input: "",
			want:  readResult{},
		},
		{
			name:  "JSON lines of events and records",
			input: ev1 + "\n" + rec1 + "\r\n\n" + ev1,
			want: readResult{
				Records: []string{ev1, rec1, ev1},
				Kinds:   []Kind{KindEvent, KindRecord, KindEvent},
				Offsets: []int64{0, int64(len(ev1) + 1), int64(len(ev1) + 1 + len(rec1) + 3)},
			},
		},
		{
			name:  "not CloudTrail: an array",
			input: `[1,2,3]`,
			want:  readResult{Errors: []string{`offset 0: not CloudTrail: expected a JSON object ({"Records":[…]} or JSON lines), found '['`}},
		},
		{
			name:  "not CloudTrail: another object",
			input: `{"name":"package.json","version":"1.0.0"}`,
			want:  readResult{Errors: []string{`offset 0: not CloudTrail: a JSON object that is neither a log file ({"Records":[…]}), an EventBridge event (no "detail-type") nor a CloudTrail record (no "eventVersion")`}},
		},
		{
			name:  "not CloudTrail: Records not an array",
			input: `{"Records":"x"}`,
			want:  readResult{Errors: []string{`offset 0: not CloudTrail: a JSON object that is neither a log file ({"Records":[…]}), an EventBridge event (no "detail-type") nor a CloudTrail record (no "eventVersion")`}},
		},
		{
			name:  "not CloudTrail: Records of strings",
			input: `{"Records":["a"]}`,
			want:  readResult{Errors: []string{`offset 12: not CloudTrail: an element of Records is not a JSON object`}},
		},
		{
			name:  "not JSON at all",
			input: "hello, world\n",
			want:  readResult{Errors: []string{`offset 0: not CloudTrail: expected a JSON object ({"Records":[…]} or JSON lines), found 'h'`}},
		},
		{
			name:  "truncated inside a record",
			input: delivered[:len(delivered)-40],
			want: readResult{
				Records: []string{rec1},
				Kinds:   []Kind{KindRecord},
				Offsets: []int64{12},
				Errors:  []string{"offset " + itoa(len(delivered)-40) + ": truncated: the input ends inside the record that starts at offset " + itoa(13+len(rec1))},
			},
		},
		{
			name:  "truncated after a record",
			input: `{"Records":[` + rec1,
			want: readResult{
				Records: []string{rec1},
				Kinds:   []Kind{KindRecord},
				Offsets: []int64{12},
				Errors:  []string{"offset " + itoa(12+len(rec1)) + ": truncated: the input ends inside the Records array"},
			},
		},
		{
			name:  "syntax error ends the file",
			input: `{"Records":[{"eventVersion":"1.08","x":tru},` + rec2 + `]}`,
			want:  readResult{Errors: []string{"offset 42: invalid JSON: invalid literal"}},
		},
		{
			name:  "bad escape",
			input: `{"Records":[{"a":"\x"}]}`,
			want:  readResult{Errors: []string{`offset 19: invalid JSON: invalid escape \x in a string`}},
		},
		{
			name:  "too large record skipped, reading goes on",
			input: `{"Records":[` + rec1 + `,` + big + `,` + rec2 + `]}`,
			max:   1024,
			want: readResult{
				Records: []string{rec1, rec2},
				Kinds:   []Kind{KindRecord, KindRecord},
				Offsets: []int64{12, int64(12 + len(rec1) + 1 + len(big) + 1)},
				Errors:  []string{"offset " + itoa(13+len(rec1)) + ": record too large: " + itoa(len(big)) + " bytes, more than the 1024 allowed; record skipped"},
			},
		},
		{
			name:  "too large line skipped, reading goes on",
			input: big + "\n" + ev1 + "\n",
			max:   1024,
			want: readResult{
				Records: []string{ev1},
				Kinds:   []Kind{KindEvent},
				Offsets: []int64{int64(len(big) + 1)},
				Errors:  []string{"offset 0: record too large: " + itoa(len(big)) + " bytes, more than the 1024 allowed; record skipped"},
			},
		},
		{
			name:  "garbage after the log file",
			input: delivered + `{}`,
			want: readResult{
				Records: []string{rec1, rec2},
				Kinds:   []Kind{KindRecord, KindRecord},
				Offsets: []int64{12, int64(13 + len(rec1))},
				Errors:  []string{"offset " + itoa(len(delivered)) + ": not CloudTrail: unexpected '{' after the log file's object"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(t, []byte(tt.input), tt.max)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("plain input (-want +got):\n%s", diff)
			}
			// The same compressed gives the same records, offsets and errors.
			got = readAll(t, gz(t, []byte(tt.input)), tt.max)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("gzip input (-want +got):\n%s", diff)
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestReaderSmallReads feeds the input one byte at a time so that every token
// straddles a buffer refill.
// TestReaderStructural: without validation, the records of a log file are
// delimited exactly as with it, and the file-level errors are the same.
func TestReaderStructural(t *testing.T) {
	big := `{"eventVersion":"1.08","blob":"` + strings.Repeat("z\\\"]}", 3000) + `","n":{"a":[{"b":"}"}]}}`
	for _, in := range []string{
		`{"Records":[` + rec1 + `,` + big + `,` + rec2 + `]}`,
		`{"Records":[]}`,
		`{"Records":[` + rec1,
		`{"Records":[` + rec1 + `,` + rec2[:40],
		`[]`,
		ev1 + "\n" + rec1,
	} {
		for _, src := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
			want := readAll(t, []byte(in), 0)
			r := NewReader(src)
			r.SetValidate(false)
			var got readResult
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					got.Errors = append(got.Errors, err.Error())
					break
				}
				got.Records = append(got.Records, string(rec.Data))
				got.Kinds = append(got.Kinds, rec.Kind)
				got.Offsets = append(got.Offsets, rec.Offset)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%.40q: (-validating +structural):\n%s", in, diff)
			}
		}
	}
	// What structural mode does not check.
	r := NewReader(strings.NewReader(`{"Records":[{"a":tru},` + rec2 + `]}`))
	r.SetValidate(false)
	rec, err := r.Next()
	if err != nil || string(rec.Data) != `{"a":tru}` {
		t.Errorf("got %q, %v", rec.Data, err)
	}
}

func TestReaderSmallReads(t *testing.T) {
	big := `{"eventVersion":"1.08","blob":"` + strings.Repeat("y\\\"", 40000) + `"}`
	input := `{"Records":[` + rec1 + `,` + big + `,` + rec2 + `]}`
	r := NewReader(iotest.OneByteReader(strings.NewReader(input)))
	var got []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(rec.Data))
	}
	if diff := cmp.Diff([]string{rec1, big, rec2}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReaderCorruptGzip(t *testing.T) {
	input := []byte(`{"Records":[` + rec1 + `,` + rec2 + `,` + rec1 + `]}`)
	z := gz(t, input)
	// Flip bytes in the middle of the compressed data.
	for i := len(z) / 2; i < len(z)/2+8; i++ {
		z[i] ^= 0x55
	}
	res := readAll(t, z, 0)
	if len(res.Errors) != 1 {
		t.Fatalf("errors: %q, want one", res.Errors)
	}
	if !strings.Contains(res.Errors[0], "offset ") || !(strings.Contains(res.Errors[0], "flate") || strings.Contains(res.Errors[0], "gzip")) {
		t.Errorf("error %q does not name the offset and the gzip failure", res.Errors[0])
	}

	// A gzip header and nothing else.
	res = readAll(t, []byte{0x1f, 0x8b}, 0)
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0], "EOF") {
		t.Errorf("header only: errors %q", res.Errors)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("input/output error")
	}
	s := `{"Records":[` + rec1 + `,` + rec2
	n := copy(p, s[len(s)-f.n:])
	f.n -= n
	return n, nil
}

func TestReaderReadError(t *testing.T) {
	s := `{"Records":[` + rec1 + `,` + rec2
	r := NewReader(&failingReader{n: len(s)})
	var n int
	var err error
	for {
		var rec Record
		rec, err = r.Next()
		if err != nil {
			break
		}
		if !json.Valid(rec.Data) {
			t.Errorf("invalid record %q", rec.Data)
		}
		n++
	}
	if n != 2 || err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Errorf("got %d records and %v; want 2 and the read error", n, err)
	}
}

// TestReaderReset reuses one reader for files of either format.
func TestReaderReset(t *testing.T) {
	r := NewReader(strings.NewReader(`{"Records":[` + rec1 + `]}`))
	for i, in := range []string{`{"Records":[` + rec2 + `]}`, ev1, `[`, `{"Records":[` + rec1 + `]}`} {
		r.Reset(strings.NewReader(in))
		rec, err := r.Next()
		if i == 2 {
			if err == nil {
				t.Errorf("file %d: no error", i)
			}
			continue
		}
		if err != nil || !json.Valid(rec.Data) {
			t.Errorf("file %d: %q, %v", i, rec.Data, err)
		}
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte(`{"Records":[` + rec1 + `,` + rec2 + `]}`))
	f.Add([]byte(ev1 + "\n" + rec1))
	f.Add([]byte(`{"Records":[]}`))
	f.Add([]byte(`{"Records":[{"a":[{"b":1e5,"c":-0.5}],"eventVersion":"x"}]}`))
	f.Add([]byte(`{"Records":[{"a":"\ud83d\ude00"}]} `))
	f.Add(gz(f, []byte(`{"Records":[`+rec1+`]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Structural mode: terminates, yields balanced objects, and on a
		// file the validating mode reads without error, the same records.
		valid := readAll(t, data, 0)
		r := NewReader(bytes.NewReader(data))
		r.SetValidate(false)
		var recs []string
		var failed bool
		for i := 0; ; i++ {
			if i > len(data)+2 {
				t.Fatalf("structural reader does not stop on %q", data)
			}
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				failed = true
				if errors.Is(err, ErrRecordTooLarge) {
					continue
				}
				break
			}
			if rec.Data[0] != '{' || rec.Data[len(rec.Data)-1] != '}' {
				t.Fatalf("structural record %q is not an object", rec.Data)
			}
			recs = append(recs, string(rec.Data))
		}
		if len(valid.Errors) == 0 && (failed || !slices.Equal(recs, valid.Records)) {
			t.Fatalf("structural mode read %q (failed %v), validating mode %q", recs, failed, valid.Records)
		}
		for _, max := range []int{0, 1024} {
			r := NewReader(bytes.NewReader(data))
			if max > 0 {
				r.SetMaxRecordSize(max)
			}
			var last int64 = -1
			for i := 0; ; i++ {
				if i > len(data)+2 {
					t.Fatalf("reader does not stop on %q", data)
				}
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					if errors.Is(err, ErrRecordTooLarge) {
						continue
					}
					break
				}
				if !json.Valid(rec.Data) {
					t.Fatalf("record %q is not valid JSON", rec.Data)
				}
				if rec.Data[0] != '{' {
					t.Fatalf("record %q is not an object", rec.Data)
				}
				if rec.Offset <= last {
					t.Fatalf("offsets not increasing: %d after %d", rec.Offset, last)
				}
				last = rec.Offset
			}
		}
	})
}

func TestSpecial(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			w := []byte("abcdefgh")
			w[pos] = byte(c)
			v := uint64(0)
			for i := 7; i >= 0; i-- {
				v = v<<8 | uint64(w[i])
			}
			if got, want := special(v) != 0, !strTable[c]; got != want {
				t.Fatalf("special with %#x at %d = %v, want %v", c, pos, got, want)
			}
		}
	}
	// The lowest flagged byte is the first special one, whatever follows.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		var w [8]byte
		first := 8
		for i := range w {
			w[i] = byte(rng.IntN(256))
			if first == 8 && !strTable[w[i]] {
				first = i
			}
		}
		m := special(binary.LittleEndian.Uint64(w[:]))
		if got := bits.TrailingZeros64(m) >> 3; got != first {
			t.Fatalf("special(%q): first flagged byte %d, want %d", w, got, first)
		}
	}
}

// BenchmarkReader reads a log file of generated records (1–3 KB each) from
// memory, uncompressed: the reader's own cost per byte.
func BenchmarkReader(b *testing.B) {
	g := ctgen.New(1, 1)
	var buf bytes.Buffer
	buf.WriteString(`{"Records":[`)
	for i := 0; buf.Len() < 8<<20; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(g.Background(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "111111111111", "eu-west-1"))
	}
	buf.WriteString("]}")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	r := NewReader(bytes.NewReader(data))
	b.ResetTimer()
	for range b.N {
		r.Reset(bytes.NewReader(data))
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
