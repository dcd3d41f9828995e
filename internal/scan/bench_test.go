package scan

import (
	"bufio"
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/rootwatch/rootwatch/internal/cloudtrail"
	"github.com/rootwatch/rootwatch/internal/ctgen"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// BenchmarkScan measures a full scan of a generated archive against
// decompressing the same archive alone, in the same run:
//
//	ROOTWATCH_BENCH_ARCHIVE_MB=1024 go test -run '^$' -bench 'Scan$' -benchtime 2x -cpu 2 ./internal/scan
//
// The archive (ROOTWATCH_BENCH_ARCHIVE_MB of uncompressed CloudTrail, default
// 64; files of 1 MiB; 0.1% root activity, 0.1% look-alikes; 4 accounts × 4
// regions, so 16 day directories for up to about 5 GB) is generated once per
// process into a temporary directory. Each iteration takes the archive a day
// directory at a time, in the archive's order, and reads each three ways:
// decompressed alone with compress/gzip, decompressed alone with
// klauspost/compress (gzip → io.Discard over every file, with the scan's
// parallelism and the same buffered reads), and scanned (one Scan of the
// directory: walk, read, search, bridge and classify the candidates). The
// three alternate every directory, a fraction of a second each, so that all
// see the same machine (alternating whole passes of a large archive, seconds
// each, left the ratios at the mercy of whatever else ran meanwhile), and
// their order turns from one directory to the next, so that none always
// follows another (whose garbage it might collect, say). Each directory's
// Scan starts its workers anew and waits for its slowest file, as inflate
// alone does; one classifier serves them all, as in one scan (building it
// takes about 0.2 ms). The metrics are over all directories:
//
//	decompress-MB/s  decompression alone, MB of uncompressed CloudTrail per second
//	scan-MB/s        the full scan, likewise
//	records/s        the full scan (the generated archive's records a second)
//	inflate-MB/s     klauspost/compress's inflate alone (what the scan uses)
//	scan/decompress  the ratio of the scan's throughput to compress/gzip's
//	scan/inflate     the ratio to klauspost's inflate alone (the target is ≥ 0.9)
//	cpu-scan/decompress, cpu-scan/inflate  the same ratios in CPU time: on a
//	                 busy machine (other processes on the cores) the
//	                 wall-clock ratio is noise, these are not
//	scan-MB/cpu-s, inflate-MB/cpu-s  MB of CloudTrail per CPU-second: one
//	                 core's throughput, for sizing
//	peak-RSS-MB      the process's peak resident memory (VmHWM, reset before
//	                 the loop where Linux allows; includes decompression's)
func BenchmarkScan(b *testing.B) {
	mb := 64
	if v := os.Getenv("ROOTWATCH_BENCH_ARCHIVE_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("ROOTWATCH_BENCH_ARCHIVE_MB=%q: want a positive number", v)
		}
		mb = n
	}
	_, m := benchArchive(b, mb)
	dirs := byDirectory(m.Files)
	workers := runtime.GOMAXPROCS(0)
	o := Options{Workers: workers, Classifier: rules.NewClassifier()}
	type phase struct {
		wall, cpu time.Duration
	}
	var decompress, inflate, scan phase
	timed := func(ph *phase, f func()) {
		start, cpu := time.Now(), cpuTime()
		f()
		ph.wall += time.Since(start)
		ph.cpu += cpuTime() - cpu
	}
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM; fine if it fails
	b.ResetTimer()
	for range b.N {
		var bytes, stored, findings int64
		for i, d := range dirs {
			var std, kp int64
			var res Result
			phases := []func(){
				func() { timed(&decompress, func() { std = decompressAll(b, d.files, workers, false) }) },
				func() { timed(&inflate, func() { kp = decompressAll(b, d.files, workers, true) }) },
				func() {
					timed(&scan, func() {
						var err error
						if res, err = Scan(context.Background(), []string{d.dir}, o); err != nil {
							b.Fatal(err)
						}
					})
				},
			}
			for j := range phases {
				phases[(i+j)%len(phases)]()
			}
			if kp != std || res.Stats.Bytes != std || res.Stats.Files != int64(len(d.files)) || len(res.Errors) > 0 {
				b.Fatalf("%s: inflated %d bytes, scanned %d in %d files (compress/gzip: %d bytes, %d files); errors %v",
					d.dir, kp, res.Stats.Bytes, res.Stats.Files, std, len(d.files), res.Errors)
			}
			bytes += std
			stored += res.Stats.Compressed
			findings += int64(len(res.Findings))
		}
		if bytes != m.Bytes || stored != m.Compressed || findings != int64(len(m.Root())) {
			b.Fatalf("%d findings (want %d), %d bytes (want %d), %d stored (want %d)", findings, len(m.Root()), bytes, m.Bytes, stored, m.Compressed)
		}
	}
	mbs := func(d time.Duration) float64 { return float64(m.Bytes) * float64(b.N) / (1 << 20) / d.Seconds() }
	b.ReportMetric(mbs(decompress.wall), "decompress-MB/s")
	b.ReportMetric(mbs(scan.wall), "scan-MB/s")
	b.ReportMetric(float64(m.Records)*float64(b.N)/scan.wall.Seconds(), "records/s")
	b.ReportMetric(decompress.wall.Seconds()/scan.wall.Seconds(), "scan/decompress")
	b.ReportMetric(mbs(inflate.wall), "inflate-MB/s")
	b.ReportMetric(inflate.wall.Seconds()/scan.wall.Seconds(), "scan/inflate")
	if scan.cpu > 0 {
		b.ReportMetric(inflate.cpu.Seconds()/scan.cpu.Seconds(), "cpu-scan/inflate")
		// Throughput per CPU-second: what one core does, whatever else runs
		// on the machine (for sizing: × 3600 / 1024 = GB an hour per core).
		b.ReportMetric(mbs(scan.cpu), "scan-MB/cpu-s")
		b.ReportMetric(mbs(inflate.cpu), "inflate-MB/cpu-s")
		// The same ratio in CPU time: what the wall-clock ratio tends to when
		// the cores are the limit, and robust to a busy machine.
		b.ReportMetric(decompress.cpu.Seconds()/scan.cpu.Seconds(), "cpu-scan/decompress")
	}
	if hwm := peakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MB")
	}
}

// BenchmarkReadParts says where what the scan adds to inflate goes, on one
// goroutine, with the archive's files read into memory first (no file
// system; its name keeps it out of -bench Scan, the command):
//
//	ROOTWATCH_BENCH_ARCHIVE_MB=64 go test -run '^$' -bench ReadParts -benchtime 20x ./internal/scan
//
// Each iteration inflates every file five ways in turn: klauspost alone (gzip
// → io.Discard, which writes from inflate's window with no copy), then read
// into a buffer as cloudtrail.Reader reads (the copy out of the window), then
// the same searched for Root" and then for \u too, then the reader in candidate
// mode as the scan sets it up (search and bookkeeping), then that and the
// records around matches validated, bridged, classified and summarized. For
// each, the fastest of its b.N passes is taken (the least disturbed by
// whatever else runs), and the metrics are inflate alone's time over it:
// copy, +root, +escape, reader, reader+records. 1 - reader+records is what
// the scan adds on one core, before files, the walk and workers.
func BenchmarkReadParts(b *testing.B) {
	mb := 64
	if v := os.Getenv("ROOTWATCH_BENCH_ARCHIVE_MB"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			mb = n
		}
	}
	_, m := benchArchive(b, mb)
	var files [][]byte
	for _, f := range m.Files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
	}
	s := &scanner{o: Options{Classifier: rules.NewClassifier()}}
	w := s.newWorker()
	zr := new(kgzip.Reader)
	br := bufio.NewReaderSize(nil, 64<<10)
	buf := make([]byte, 256<<10)
	// read inflates data into buf as the reader does, calling search on what
	// each read brought.
	read := func(data []byte, search func([]byte)) {
		br.Reset(bytes.NewReader(data))
		if err := zr.Reset(br); err != nil {
			b.Fatal(err)
		}
		for end := 0; ; {
			if end == len(buf) {
				end = 0
			}
			n, err := zr.Read(buf[end:])
			search(buf[end : end+n])
			end += n
			if err == io.EOF {
				return
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	searchAll := func(p, needle []byte) {
		for i := cloudtrail.IndexNeedle(p, needle); i >= 0; i = cloudtrail.IndexNeedle(p, needle) {
			p = p[i+1:]
		}
	}
	parts := []struct {
		name string
		f    func(data []byte)
	}{
		{"inflate", func(data []byte) {
			br.Reset(bytes.NewReader(data))
			if err := zr.Reset(br); err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				b.Fatal(err)
			}
		}},
		{"copy", func(data []byte) { read(data, func([]byte) {}) }},
		{"+root", func(data []byte) { read(data, func(p []byte) { searchAll(p, rootBytes) }) }},
		{"+escape", func(data []byte) {
			read(data, func(p []byte) { searchAll(p, rootBytes); searchAll(p, escapeBytes) })
		}},
		{"reader", func(data []byte) { readCandidates(b, w, data, false) }},
		{"reader+records", func(data []byte) { readCandidates(b, w, data, true) }},
	}
	fastest := make([]time.Duration, len(parts))
	for range b.N {
		for i, part := range parts {
			start := time.Now()
			for _, data := range files {
				part.f(data)
			}
			if d := time.Since(start); fastest[i] == 0 || d < fastest[i] {
				fastest[i] = d
			}
			w.findings = w.findings[:0]
		}
	}
	for i, part := range parts[1:] {
		b.ReportMetric(fastest[0].Seconds()/fastest[i+1].Seconds(), part.name)
	}
}

// readCandidates reads data with w's reader as the scan does, and classifies
// the records around matches when records is set.
func readCandidates(b *testing.B, w *worker, data []byte, records bool) {
	w.rd.Reset(bytes.NewReader(data))
	for {
		rec, err := w.rd.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		if records {
			if err := w.record("bench", rec.Offset, rec.Data, rec.Kind); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchDir is a directory of the benchmark archive and its files.
type benchDir struct {
	dir   string
	files []string
}

// byDirectory groups files (in the archive's order) by their directory.
func byDirectory(files []string) []benchDir {
	var dirs []benchDir
	for _, f := range files {
		d := filepath.Dir(f)
		if i := slices.IndexFunc(dirs, func(b benchDir) bool { return b.dir == d }); i >= 0 {
			dirs[i].files = append(dirs[i].files, f)
			continue
		}
		dirs = append(dirs, benchDir{dir: d, files: []string{f}})
	}
	return dirs
}

// decompressAll decompresses files with workers goroutines and returns the
// uncompressed size.
func decompressAll(b *testing.B, files []string, workers int, klauspost bool) int64 {
	ch := make(chan string)
	var total int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var zr *stdgzip.Reader
			var kr *kgzip.Reader
			br := bufio.NewReaderSize(nil, 64<<10) // as cloudtrail.Reader reads
			var n int64
			for p := range ch {
				f, err := os.Open(p)
				if err != nil {
					b.Error(err)
					continue
				}
				br.Reset(f)
				var r io.Reader
				switch {
				case klauspost && kr == nil:
					kr, err = kgzip.NewReader(br)
					r = kr
				case klauspost:
					err = kr.Reset(br)
					r = kr
				case zr == nil:
					zr, err = stdgzip.NewReader(br)
					r = zr
				default:
					err = zr.Reset(br)
					r = zr
				}
				if err == nil {
					var c int64
					c, err = io.Copy(io.Discard, r)
					n += c
				}
				f.Close()
				if err != nil {
					b.Error(err)
				}
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	for _, p := range files {
		ch <- p
	}
	close(ch)
	wg.Wait()
	return total
}

// peakRSS returns the process's peak resident set size from /proc/self/status
// (VmHWM), or 0 where there is none.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// The benchmark archive is generated once per process (the benchmark function
// runs several times: once with b.N=1, then with -benchtime, per -count) and
// removed by TestMain.
var bench struct {
	sync.Mutex
	mb  int
	dir string
	m   ctgen.Manifest
}

func benchArchive(b *testing.B, mb int) (string, ctgen.Manifest) {
	bench.Lock()
	defer bench.Unlock()
	if bench.dir != "" && bench.mb == mb {
		return bench.dir, bench.m
	}
	removeBenchArchive()
	dir, err := os.MkdirTemp("", "rootwatch-bench-")
	if err != nil {
		b.Fatal(err)
	}
	m, err := ctgen.WriteArchive(ctgen.ArchiveConfig{
		Dir: dir, Seed: 1, Accounts: []string{"111111111111", "222222222222", "333333333333", "444444444444"},
		Regions: []string{"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"},
		Bytes:   int64(mb) << 20, FileBytes: 1 << 20, RootFraction: 0.001, LookAlikeFraction: 0.001,
	})
	if err != nil {
		os.RemoveAll(dir)
		b.Fatal(err)
	}
	bench.mb, bench.dir, bench.m = mb, dir, m
	return dir, m
}

func removeBenchArchive() {
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
		bench.dir = ""
	}
}
