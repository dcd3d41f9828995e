package scan

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/ctgen"
)

// listRecorder wraps an account to record the prefixes its S3 listings ask for.
type listRecorder struct {
	cloud.Account
	mu       sync.Mutex
	prefixes []string
}

type buckets = cloud.Buckets

type recordingBuckets struct {
	buckets
	r *listRecorder
}

func (r *listRecorder) Buckets() cloud.Buckets {
	return &recordingBuckets{buckets: r.Account.Buckets(), r: r}
}

func (b *recordingBuckets) List(ctx context.Context, bucket, prefix, delimiter, token string) (cloud.ListPage, error) {
	b.r.mu.Lock()
	if token == "" {
		b.r.prefixes = append(b.r.prefixes, prefix)
	}
	b.r.mu.Unlock()
	return b.buckets.List(ctx, bucket, prefix, delimiter, token)
}

// s3Archive writes three small archives, on 1, 5 and 9 March 2024, for two
// accounts and two regions of an organization trail, uploads them with put
// under prefix, and returns their labels.
func s3Archive(t *testing.T, prefix string, put func(key string, data []byte) error) []ctgen.Label {
	t.Helper()
	dir := t.TempDir()
	var labels []ctgen.Label
	for i, day := range []int{1, 5, 9} {
		m, err := ctgen.WriteArchive(ctgen.ArchiveConfig{
			Dir: dir, Seed: uint64(100 + i), Org: "o-exampleorg",
			Accounts: []string{"111111111111", "222222222222"}, Regions: []string{"us-east-1", "eu-west-1"},
			Start: time.Date(2024, 3, day, 10, 0, 0, 0, time.UTC), Bytes: 128 << 10, FileBytes: 16 << 10,
			RootFraction: 0.05, LookAlikeFraction: 0.02,
		})
		if err != nil {
			t.Fatal(err)
		}
		labels = append(labels, m.Labels...)
		for _, f := range m.Files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, f)
			if err := put(prefix+filepath.ToSlash(rel), b); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A digest file, never read.
	if err := put(prefix+"AWSLogs/o-exampleorg/222222222222/CloudTrail-Digest/eu-west-1/2024/03/05/222222222222_CloudTrail-Digest_eu-west-1_trail_eu-west-1_20240305T1100Z.json.gz", []byte("not even gzip")); err != nil {
		t.Fatal(err)
	}
	return labels
}

// testS3 scans s3://bucket/prefix with and without pruning.
func testS3(t *testing.T, acct cloud.Account, bucket, prefix string, labels []ctgen.Label) {
	url := "s3://" + bucket + "/" + prefix
	// Everything.
	res := scanT(t, []string{url}, Options{Account: acct})
	checkLabels(t, res, labels)
	if !strings.HasPrefix(res.Findings[0].Source, url+"AWSLogs/o-exampleorg/") {
		t.Errorf("finding source %s", res.Findings[0].Source)
	}

	// Pruned: one account, one region, one day.
	rec := &listRecorder{Account: acct}
	since := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	until := time.Date(2024, 3, 5, 23, 59, 59, 0, time.UTC)
	res = scanT(t, []string{url}, Options{Account: rec, Since: since, Until: until, Accounts: []string{"222222222222"}, Regions: []string{"eu-west-1"}})
	var want []ctgen.Label
	for _, l := range labels {
		if l.Account == "222222222222" && l.Region == "eu-west-1" && !l.Time.Before(since) && !l.Time.After(until) {
			want = append(want, l)
		}
	}
	if len(want) == 0 {
		t.Fatal("no root activity in the pruned window: change the seeds")
	}
	checkLabels(t, res, want)
	base := prefix + "AWSLogs/o-exampleorg/222222222222/CloudTrail/eu-west-1/2024/03/"
	wantPrefixes := []string{
		prefix, prefix + "AWSLogs/", prefix + "AWSLogs/o-exampleorg/",
		prefix + "AWSLogs/o-exampleorg/222222222222/", prefix + "AWSLogs/o-exampleorg/222222222222/CloudTrail/",
		// The day prefixes of the window, widened by Slack; years and
		// months are not listed.
		base + "04/", base + "05/", base + "06/",
	}
	if diff := cmp.Diff(wantPrefixes, rec.prefixes); diff != "" {
		t.Errorf("listed prefixes (-want +got):\n%s", diff)
	}
}

// TestS3Fake runs the S3 path against the in-memory fake, whose listings come
// in pages of three (so the continuation loop runs).
func TestS3Fake(t *testing.T) {
	acct := fake.New()
	ctx := context.Background()
	if err := acct.Buckets().CreateBucket(ctx, "trail-bucket", "us-east-1", "", nil); err != nil {
		t.Fatal(err)
	}
	labels := s3Archive(t, "org/", func(key string, data []byte) error { return acct.PutObject("trail-bucket", key, data) })
	testS3(t, acct, "trail-bucket", "org/", labels)
}

// TestS3Moto runs the S3 path against moto's S3 through the AWS adapter.
func TestS3Moto(t *testing.T) {
	t.Parallel()
	tg := awstest.Endpoint(t)
	ctx := context.Background()
	acct, err := awscloud.ConnectWith(ctx, cloud.Config{EndpointURL: tg.URL, Region: "us-east-1"}, awscloud.Options{Credentials: tg.Creds})
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.Buckets().CreateBucket(ctx, "rootwatch-scan-test", "us-east-1", "", nil); err != nil {
		t.Fatal(err)
	}
	put, ok := acct.(interface {
		PutObject(bucket, key string, data []byte) error
	})
	if !ok {
		t.Fatalf("%T has no PutObject", acct)
	}
	labels := s3Archive(t, "", func(key string, data []byte) error { return put.PutObject("rootwatch-scan-test", key, data) })
	testS3(t, acct, "rootwatch-scan-test", "", labels)
}

// BenchmarkScanS3 scans an archive in moto's S3 (started by TestMain) through
// the AWS adapter, with the objects fetched ahead into memory (the default)
// and with each worker waiting on its own requests:
//
//	ROOTWATCH_BENCH_S3_MB=64 go test -run '^$' -bench ScanS3 -benchtime 3x -cpu 2 ./internal/scan
//
// The archive is ROOTWATCH_BENCH_S3_MB (default 16) of CloudTrail in objects
// of 64 KiB uncompressed (CloudTrail's are often smaller still). Metrics:
// objects/s, MB/s of CloudTrail (uncompressed) and stored-MB/s (as fetched).
// moto answers from one Python process on the same cores, so the figures are
// a floor: they measure the request path, not S3.
func BenchmarkScanS3(b *testing.B) {
	awstest.Endpoint(b)
	mb := 16
	if v := os.Getenv("ROOTWATCH_BENCH_S3_MB"); v != "" {
		if _, err := fmt.Sscan(v, &mb); err != nil || mb <= 0 {
			b.Fatalf("ROOTWATCH_BENCH_S3_MB=%q: want a positive number", v)
		}
	}
	ctx := context.Background()
	acct, err := awscloud.Connect(ctx, cloud.Config{Region: "us-east-1"})
	if err != nil {
		b.Fatal(err)
	}
	const bucket = "rootwatch-scan-bench"
	if err := acct.Buckets().CreateBucket(ctx, bucket, "us-east-1", "", nil); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	m, err := ctgen.WriteArchive(ctgen.ArchiveConfig{
		Dir: dir, Seed: 2, Accounts: []string{"111111111111"}, Regions: []string{"us-east-1", "eu-west-1"},
		Bytes: int64(mb) << 20, FileBytes: 64 << 10, RootFraction: 0.001,
	})
	if err != nil {
		b.Fatal(err)
	}
	put := acct.(interface {
		PutObject(bucket, key string, data []byte) error
	})
	for _, f := range m.Files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, f)
		if err := put.PutObject(bucket, filepath.ToSlash(rel), data); err != nil {
			b.Fatal(err)
		}
	}
	for _, bb := range []struct {
		name       string
		noPrefetch bool
	}{{"fetch-ahead", false}, {"each-worker-waits", true}} {
		b.Run(bb.name, func(b *testing.B) {
			var res Result
			for range b.N {
				res, err = Scan(ctx, []string{"s3://" + bucket + "/"}, Options{Account: acct, noPrefetch: bb.noPrefetch})
				if err != nil {
					b.Fatal(err)
				}
				if res.Stats.Files != int64(len(m.Files)) || len(res.Findings) != len(m.Root()) || len(res.Errors) > 0 {
					b.Fatalf("%d files (want %d), %d findings (want %d), errors %v", res.Stats.Files, len(m.Files), len(res.Findings), len(m.Root()), res.Errors)
				}
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(len(m.Files))*float64(b.N)/secs, "objects/s")
			b.ReportMetric(float64(m.Bytes)*float64(b.N)/(1<<20)/secs, "MB/s")
			b.ReportMetric(float64(m.Compressed)*float64(b.N)/(1<<20)/secs, "stored-MB/s")
		})
	}
}

// slowBuckets adds a delay before each object's first byte, as S3 has (tens
// of milliseconds) and a loopback moto has not.
type slowBuckets struct {
	buckets
	delay time.Duration
}

func (b slowBuckets) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	time.Sleep(b.delay)
	return b.buckets.Open(ctx, bucket, key)
}

type slowAccount struct {
	cloud.Account
	delay time.Duration
}

func (a slowAccount) Buckets() cloud.Buckets { return slowBuckets{a.Account.Buckets(), a.delay} }

// BenchmarkScanS3Latency scans 128 objects from the in-memory fake with 20 ms
// before each object's first byte: fetching ahead keeps the workers busy
// while requests wait; without it each worker waits on its own.
func BenchmarkScanS3Latency(b *testing.B) {
	acct := fake.New()
	ctx := context.Background()
	if err := acct.Buckets().CreateBucket(ctx, "trail-bucket", "us-east-1", "", nil); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	m, err := ctgen.WriteArchive(ctgen.ArchiveConfig{Dir: dir, Seed: 4, Accounts: []string{"111111111111"},
		Regions: []string{"us-east-1"}, Bytes: 8 << 20, FileBytes: 64 << 10, RootFraction: 0.001})
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range m.Files {
		data, _ := os.ReadFile(f)
		rel, _ := filepath.Rel(dir, f)
		if err := acct.PutObject("trail-bucket", filepath.ToSlash(rel), data); err != nil {
			b.Fatal(err)
		}
	}
	slow := slowAccount{acct, benchDelay()}
	for _, bb := range []struct {
		name       string
		noPrefetch bool
	}{{"fetch-ahead", false}, {"each-worker-waits", true}} {
		b.Run(bb.name, func(b *testing.B) {
			for range b.N {
				res, err := Scan(ctx, []string{"s3://trail-bucket/"}, Options{Account: slow, noPrefetch: bb.noPrefetch})
				if err != nil || res.Stats.Files != int64(len(m.Files)) || len(res.Errors) > 0 {
					b.Fatalf("%v: %d files (want %d), errors %v", err, res.Stats.Files, len(m.Files), res.Errors)
				}
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(len(m.Files))*float64(b.N)/secs, "objects/s")
			b.ReportMetric(float64(m.Bytes)*float64(b.N)/(1<<20)/secs, "MB/s")
		})
	}
}

func benchDelay() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("ROOTWATCH_BENCH_S3_DELAY")); err == nil {
		return d
	}
	return 20 * time.Millisecond
}
