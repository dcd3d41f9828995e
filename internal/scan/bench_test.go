package scan

import (
	"bufio"
	stdgzip "compress/gzip"
	"context"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/rootwatch/rootwatch/internal/ctgen"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// BenchmarkScan measures a full scan of a generated archive against
// decompressing the same archive alone, in the same run:
//
//	ROOTWATCH_BENCH_ARCHIVE_MB=1024 go test -run '^$' -bench 'Scan$' -benchtime 2x -cpu 2 ./internal/scan
//
// The archive (ROOTWATCH_BENCH_ARCHIVE_MB of uncompressed CloudTrail, default
// 64; files of 1 MiB; 0.1% root activity, 0.1% look-alikes) is generated once
// per process into a temporary directory. Each iteration takes the archive a
// slice of benchSlice files at a time, in the archive's order, and for each
// slice decompresses it alone with compress/gzip, then with klauspost/compress
// (gzip → io.Discard over every file, with the scan's parallelism and the same
// buffered reads), then scans it (one Scan of the slice's files: read,
// search, bridge and classify the candidates). The three alternate every
// slice, a fraction of a second each, so that all see the same machine:
// alternating whole passes of a large archive, seconds each, left the ratios
// at the mercy of whatever else ran meanwhile. Each slice's Scan starts its
// workers anew and waits for its slowest file, as inflate alone does; the
// metrics are over all slices. They are:
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
	workers := runtime.GOMAXPROCS(0)
	// One classifier for every slice, as one scan has.
	o := Options{Workers: workers, Classifier: rules.NewClassifier()}
	var decompress, scan, decompressCPU, scanCPU, inflate, inflateCPU time.Duration
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM; fine if it fails
	b.ResetTimer()
	for range b.N {
		var bytes, stored, findings int64
		for files := range slices.Chunk(m.Files, benchSlice) {
			start, cpu := time.Now(), cpuTime()
			want := decompressAll(b, files, workers, false)
			decompress += time.Since(start)
			decompressCPU += cpuTime() - cpu
			start, cpu = time.Now(), cpuTime()
			if n := decompressAll(b, files, workers, true); n != want {
				b.Fatalf("inflated %d bytes, compress/gzip %d", n, want)
			}
			inflate += time.Since(start)
			inflateCPU += cpuTime() - cpu
			start, cpu = time.Now(), cpuTime()
			res, err := Scan(context.Background(), files, o)
			if err != nil {
				b.Fatal(err)
			}
			scan += time.Since(start)
			scanCPU += cpuTime() - cpu
			if res.Stats.Bytes != want || len(res.Errors) > 0 {
				b.Fatalf("scanned %d bytes (want %d), errors %v", res.Stats.Bytes, want, res.Errors)
			}
			bytes += want
			stored += res.Stats.Compressed
			findings += int64(len(res.Findings))
		}
		if bytes != m.Bytes || stored != m.Compressed || findings != int64(len(m.Root())) {
			b.Fatalf("%d findings (want %d), %d bytes (want %d), %d stored (want %d)", findings, len(m.Root()), bytes, m.Bytes, stored, m.Compressed)
		}
	}
	mbs := func(d time.Duration) float64 { return float64(m.Bytes) * float64(b.N) / (1 << 20) / d.Seconds() }
	b.ReportMetric(mbs(decompress), "decompress-MB/s")
	b.ReportMetric(mbs(scan), "scan-MB/s")
	b.ReportMetric(float64(m.Records)*float64(b.N)/scan.Seconds(), "records/s")
	b.ReportMetric(decompress.Seconds()/scan.Seconds(), "scan/decompress")
	b.ReportMetric(mbs(inflate), "inflate-MB/s")
	b.ReportMetric(inflate.Seconds()/scan.Seconds(), "scan/inflate")
	if scanCPU > 0 {
		b.ReportMetric(inflateCPU.Seconds()/scanCPU.Seconds(), "cpu-scan/inflate")
		// Throughput per CPU-second: what one core does, whatever else runs
		// on the machine (for sizing: × 3600 / 1024 = GB an hour per core).
		b.ReportMetric(float64(m.Bytes)*float64(b.N)/(1<<20)/scanCPU.Seconds(), "scan-MB/cpu-s")
		b.ReportMetric(float64(m.Bytes)*float64(b.N)/(1<<20)/inflateCPU.Seconds(), "inflate-MB/cpu-s")
		// The same ratio in CPU time: what the wall-clock ratio tends to when
		// the cores are the limit, and robust to a busy machine.
		b.ReportMetric(decompressCPU.Seconds()/scanCPU.Seconds(), "cpu-scan/decompress")
	}
	if hwm := peakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MB")
	}
}

// benchSlice is how many files (of 1 MiB of CloudTrail) BenchmarkScan
// decompresses and scans at a time.
const benchSlice = 64

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
		Dir: dir, Seed: 1, Accounts: []string{"111111111111", "222222222222"},
		Regions: []string{"us-east-1", "eu-west-1", "ap-southeast-2"},
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
