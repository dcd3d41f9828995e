package ctgen

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// ArchiveConfig describes an archive in CloudTrail's delivered layout:
//
//	DIR/AWSLogs/[ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_RANDOM.json.gz
type ArchiveConfig struct {
	Dir  string
	Seed uint64
	// Org is an organization ID ("o-abc123") for an organization trail's
	// layout; "" for an account trail.
	Org      string
	Accounts []string  // default 111111111111
	Regions  []string  // default us-east-1, eu-west-1
	Start    time.Time // default 2024-03-01T00:00:00Z
	// Bytes is the total uncompressed size to write, at least.
	Bytes int64
	// FileBytes is the uncompressed size of each file, about (default 1 MiB).
	FileBytes int
	// RootFraction is the fraction of background records replaced by root
	// activity of a random kind (default 0: none); LookAlikeFraction likewise
	// for look-alikes.
	RootFraction, LookAlikeFraction float64
	// InjectAll puts one event of every kind and one of every look-alike in
	// the first file.
	InjectAll bool
	// Level is the gzip level (default gzip.DefaultCompression, as CloudTrail).
	Level int
}

// Manifest says what an archive holds.
type Manifest struct {
	Files      []string // paths, in order
	Records    int
	Bytes      int64 // uncompressed
	Compressed int64
	Labels     []Label // injected root events and look-alikes, in file order
}

// Root returns the labels of root activity, and LookAlikes those of look-alikes.
func (m Manifest) Root() []Label       { return m.filter(true) }
func (m Manifest) LookAlikes() []Label { return m.filter(false) }

func (m Manifest) filter(root bool) []Label {
	var out []Label
	for _, l := range m.Labels {
		if (l.Kind != "") == root {
			out = append(out, l)
		}
	}
	return out
}

// fileSpec is one file of the plan.
type fileSpec struct {
	path            string
	account, region string
	start           time.Time // first event
	index           int
}

// fileSpan is the time each file covers: CloudTrail delivers about every 5 minutes.
const fileSpan = 5 * time.Minute

// WriteArchive writes the archive that c describes, generating files in
// parallel, and returns its manifest.
func WriteArchive(c ArchiveConfig) (Manifest, error) {
	if len(c.Accounts) == 0 {
		c.Accounts = []string{"111111111111"}
	}
	if len(c.Regions) == 0 {
		c.Regions = []string{"us-east-1", "eu-west-1"}
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.FileBytes <= 0 {
		c.FileBytes = 1 << 20
	}
	if c.Level == 0 {
		c.Level = gzip.DefaultCompression
	}
	n := int((c.Bytes + int64(c.FileBytes) - 1) / int64(c.FileBytes))
	if n < 1 {
		n = 1
	}
	// Plan: files go round-robin over account × region streams; each stream's
	// files follow one another every fileSpan.
	streams := len(c.Accounts) * len(c.Regions)
	plan := make([]fileSpec, n)
	names := New(c.Seed, 1<<40)
	for i := range plan {
		s := i % streams
		acct, region := c.Accounts[s/len(c.Regions)], c.Regions[s%len(c.Regions)]
		start := c.Start.Add(time.Duration(i/streams) * fileSpan)
		stamp := start.Add(fileSpan)
		dir := filepath.Join(c.Dir, "AWSLogs")
		if c.Org != "" {
			dir = filepath.Join(dir, c.Org)
		}
		dir = filepath.Join(dir, acct, "CloudTrail", region, stamp.Format("2006/01/02"))
		name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", acct, region, stamp.Format("20060102T1504Z"), names.alnum(nil, 16))
		plan[i] = fileSpec{path: filepath.Join(dir, name), account: acct, region: region, start: start, index: i}
	}

	type result struct {
		records    int
		bytes      int64
		compressed int64
		labels     []Label
		err        error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, c.Level)
			for i := range work {
				r := &results[i]
				r.records, r.bytes, r.labels, r.err = writeFile(c, plan[i], &buf, zw)
				r.compressed = int64(buf.Len())
			}
		}()
	}
	for i := range plan {
		work <- i
	}
	close(work)
	wg.Wait()

	var m Manifest
	for i, r := range results {
		if r.err != nil {
			return m, r.err
		}
		m.Files = append(m.Files, plan[i].path)
		m.Records += r.records
		m.Bytes += r.bytes
		m.Compressed += r.compressed
		m.Labels = append(m.Labels, r.labels...)
	}
	return m, nil
}

func writeFile(c ArchiveConfig, f fileSpec, buf *bytes.Buffer, zw *gzip.Writer) (records int, size int64, labels []Label, err error) {
	g := New(c.Seed, uint64(f.index))
	rng := rand.New(rand.NewPCG(c.Seed^0x5eed, uint64(f.index)))
	var inject []string // "k:"+kind or "l:"+look-alike
	if c.InjectAll && f.index == 0 {
		for _, k := range Kinds {
			inject = append(inject, "k:"+k)
		}
		for _, l := range LookAlikes {
			inject = append(inject, "l:"+l)
		}
	}
	buf.Reset()
	zw.Reset(buf)
	write := func(b []byte) {
		zw.Write(b)
		size += int64(len(b))
	}
	write([]byte(`{"Records":[`))
	t := f.start
	for size < int64(c.FileBytes) || len(inject) > 0 {
		if records > 0 {
			write([]byte{','})
		}
		t = t.Add(time.Duration(rng.IntN(int(fileSpan/time.Millisecond)/200+1)) * time.Millisecond)
		if t.After(f.start.Add(fileSpan)) {
			t = f.start.Add(fileSpan)
		}
		var rec []byte
		var l *Label
		switch p := rng.Float64(); {
		case len(inject) > 0 && records%7 == 3:
			what := inject[0]
			inject = inject[1:]
			if what[0] == 'k' {
				rec = g.Root(what[2:], t, f.account, f.region)
				l = &Label{Kind: what[2:]}
			} else {
				rec = g.LookAlike(what[2:], t, f.account, f.region)
				l = &Label{LookAlike: what[2:]}
			}
		case p < c.RootFraction:
			k := Kinds[rng.IntN(len(Kinds))]
			rec = g.Root(k, t, f.account, f.region)
			l = &Label{Kind: k}
		case p < c.RootFraction+c.LookAlikeFraction:
			k := LookAlikes[rng.IntN(len(LookAlikes))]
			rec = g.LookAlike(k, t, f.account, f.region)
			l = &Label{LookAlike: k}
		default:
			rec = g.Background(t, f.account, f.region)
		}
		if l != nil {
			l.EventID, l.Time, l.Account, l.Region = EventID(rec), t.Truncate(time.Second), f.account, f.region
			labels = append(labels, *l)
		}
		write(rec)
		records++
	}
	write([]byte("]}\n"))
	if err := zw.Close(); err != nil {
		return 0, 0, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
		return 0, 0, nil, err
	}
	if err := os.WriteFile(f.path, buf.Bytes(), 0o644); err != nil {
		return 0, 0, nil, err
	}
	return records, size, labels, nil
}
