package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// file is one file to read.
type file struct {
	name string // as reported: a path or an s3:// URL
	size int64  // as stored; 0 when unknown
	seq  int64  // place in the output order
	open func(ctx context.Context) (io.ReadCloser, error)
	// records is what of --accounts/--regions applies to each record: the
	// part the file's path does not decide (see filter.forPath).
	records filter
}

// source finds files and sends them to emit until it returns false.
type source interface {
	files(ctx context.Context, s *scanner, emit func(file) bool)
}

func (s *scanner) parseTarget(t string) (source, error) {
	if rest, ok := strings.CutPrefix(t, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return nil, fmt.Errorf("scan %s: no bucket in the URL", t)
		}
		if s.o.Account == nil {
			return nil, fmt.Errorf("scan %s: no AWS account", t)
		}
		return &s3Source{bucket: bucket, prefix: prefix, b: s.o.Account.Buckets()}, nil
	}
	return localSource(t), nil
}

// Slack is how far outside --since/--until a file's name or date directory
// may lie and still be read: CloudTrail delivers events some minutes after
// they happen, and files are named and filed by delivery time.
const Slack = time.Hour

// filter prunes the AWSLogs layout:
//
//	AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_X.json.gz
type filter struct {
	since, until      time.Time // zero: unbounded
	accounts, regions map[string]bool
}

func newFilter(o Options) filter {
	f := filter{since: o.Since, until: o.Until}
	set := func(l []string) map[string]bool {
		if len(l) == 0 {
			return nil
		}
		m := map[string]bool{}
		for _, x := range l {
			m[x] = true
		}
		return m
	}
	f.accounts, f.regions = set(o.Accounts), set(o.Regions)
	return f
}

func (f filter) account(a string) bool { return f.accounts == nil || f.accounts[a] }
func (f filter) region(r string) bool  { return f.regions == nil || f.regions[r] }

// forPath applies --accounts and --regions to a file by what its path says:
// the AWSLogs layout's account and region directories, or a delivered log
// file's name. It reports whether to read the file, and the filter that its
// records must pass: the accounts or regions its path does not tell, which
// are then judged by each record's recipientAccountId and awsRegion. So a
// filter is never ignored, for a single file or a directory outside the
// layout, and a file named on the command line (or the directory walked
// from) is held to it like a file found in a walk.
func (f filter) forPath(parts []string) (keep bool, records filter) {
	records = filter{accounts: f.accounts, regions: f.regions}
	if rest, ok := layout(parts); ok {
		if len(rest) >= 2 { // ACCOUNT/...
			if !f.account(rest[0]) {
				return false, filter{}
			}
			records.accounts = nil
		}
		if len(rest) >= 4 && rest[1] == "CloudTrail" { // ACCOUNT/CloudTrail/REGION/...
			if !f.region(rest[2]) {
				return false, filter{}
			}
			records.regions = nil
		}
	}
	if m := logName.FindStringSubmatch(parts[len(parts)-1]); m != nil {
		if !f.account(m[1]) || !f.region(m[2]) {
			return false, filter{}
		}
		records.accounts, records.regions = nil, nil
	}
	return true, records
}

// record reports whether a record of this account and region passes.
func (f filter) record(account, region string) bool { return f.account(account) && f.region(region) }

func (f filter) inWindow(t time.Time) bool {
	return (f.since.IsZero() || !t.Before(f.since)) && (f.until.IsZero() || !t.After(f.until))
}

// overlaps reports whether [from, to) overlaps the window widened by Slack.
func (f filter) overlaps(from, to time.Time) bool {
	return (f.since.IsZero() || to.After(f.since.Add(-Slack))) && (f.until.IsZero() || from.Before(f.until.Add(Slack)))
}

// layout returns the path components after the last "AWSLogs" (and an
// organization ID), and whether the path is in the layout at all.
func layout(parts []string) ([]string, bool) {
	i := len(parts) - 1
	for i >= 0 && parts[i] != "AWSLogs" {
		i--
	}
	if i < 0 {
		return nil, false
	}
	rest := parts[i+1:]
	if len(rest) > 0 && strings.HasPrefix(rest[0], "o-") {
		rest = rest[1:]
	}
	return rest, true
}

// keepDir reports whether to look inside a directory (or S3 prefix) whose
// path has these components.
func (f filter) keepDir(parts []string) bool {
	rest, ok := layout(parts)
	if !ok {
		return true
	}
	switch len(rest) {
	case 0:
		return true
	case 1:
		return f.account(rest[0])
	case 2:
		return rest[1] == "CloudTrail" // not CloudTrail-Digest, CloudTrail-Insight, other services
	case 3:
		return f.region(rest[2])
	}
	if len(rest) > 6 {
		return true
	}
	// A date directory: YYYY, YYYY/MM or YYYY/MM/DD.
	nums := make([]int, 0, 3)
	for _, p := range rest[3:] {
		n, err := strconv.Atoi(p)
		if err != nil {
			return true // not a date: do not guess
		}
		nums = append(nums, n)
	}
	var from, to time.Time
	switch len(nums) {
	case 1:
		from = time.Date(nums[0], 1, 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(1, 0, 0)
	case 2:
		from = time.Date(nums[0], time.Month(nums[1]), 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(0, 1, 0)
	default:
		from = time.Date(nums[0], time.Month(nums[1]), nums[2], 0, 0, 0, 0, time.UTC)
		to = from.AddDate(0, 0, 1)
	}
	return f.overlaps(from, to)
}

// logName matches a delivered log file's name.
var logName = regexp.MustCompile(`^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_`)

// keepFile reports whether to read a file found in a directory walk or an S3
// listing: a .json, .json.gz, .jsonl or .jsonl.gz file that is not a digest
// and whose name, when it is a delivered log file's, is inside the filters.
func (f filter) keepFile(name string) bool {
	if !(strings.HasSuffix(name, ".json.gz") || strings.HasSuffix(name, ".json") ||
		strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".jsonl.gz")) {
		return false
	}
	if strings.Contains(name, "CloudTrail-Digest") || strings.Contains(name, "CloudTrail-Insight") {
		return false
	}
	m := logName.FindStringSubmatch(name)
	if m == nil {
		return true
	}
	if !f.account(m[1]) || !f.region(m[2]) {
		return false
	}
	stamp, err := time.Parse("20060102T1504Z", m[3])
	if err != nil {
		return true
	}
	return f.overlaps(stamp, stamp.Add(time.Minute))
}

// localSource is a file or a directory on disk. A file named on the command
// line is read whatever its name; a directory is walked with pruning, in
// lexical order, following symbolic links (a link to a directory that is one
// of its own ancestors is reported, not followed, and so is a broken link).
type localSource string

func (l localSource) files(ctx context.Context, s *scanner, emit func(file) bool) {
	root := string(l)
	fi, err := os.Stat(root)
	if err != nil {
		s.addError(&Error{Source: root, Offset: -1, Err: unwrapPathError(err)})
		return
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		abs = root
	}
	if !fi.IsDir() {
		if f, ok := s.localFile(root, filepath.ToSlash(abs), fi.Size()); ok {
			emit(f)
		} else {
			s.excludedFiles.Add(1)
		}
		return
	}
	w := &walker{ctx: ctx, s: s, emit: emit}
	w.dir(root, filepath.ToSlash(abs), []fs.FileInfo{fi})
}

// walker walks a directory tree for localSource.
type walker struct {
	ctx  context.Context
	s    *scanner
	emit func(file) bool
}

// dir walks directory p (abs: its absolute path, with slashes), whose
// ancestors (itself included) are given. It returns false when told to stop.
func (w *walker) dir(p, abs string, ancestors []fs.FileInfo) bool {
	s := w.s
	entries, err := os.ReadDir(p)
	if err != nil {
		s.addError(&Error{Source: p, Offset: -1, Err: unwrapPathError(err)})
		return true
	}
	for _, e := range entries {
		if w.ctx.Err() != nil {
			return false
		}
		cp, cabs := filepath.Join(p, e.Name()), abs+"/"+e.Name()
		typ := e.Type()
		var info fs.FileInfo
		if typ&fs.ModeSymlink != 0 {
			if info, err = os.Stat(cp); err != nil {
				s.addError(&Error{Source: cp, Offset: -1, Err: fmt.Errorf("symbolic link: %w", unwrapPathError(err))})
				continue
			}
			typ = info.Mode().Type()
		}
		switch {
		case typ.IsDir():
			parts := strings.Split(cabs, "/")
			if !s.filter.keepDir(parts) {
				if (filter{}).keepDir(parts) {
					s.excludedDirs.Add(1)
				}
				continue
			}
			if info == nil {
				if info, err = e.Info(); err != nil {
					s.addError(&Error{Source: cp, Offset: -1, Err: unwrapPathError(err)})
					continue
				}
			}
			if slices.ContainsFunc(ancestors, func(a fs.FileInfo) bool { return os.SameFile(a, info) }) {
				s.addError(&Error{Source: cp, Offset: -1, Err: errors.New("symbolic link to a directory that contains it: not followed")})
				continue
			}
			if !w.dir(cp, cabs, append(ancestors[:len(ancestors):len(ancestors)], info)) {
				return false
			}
		case typ.IsRegular():
			if !s.filter.keepFile(e.Name()) {
				if (filter{}).keepFile(e.Name()) {
					s.excludedFiles.Add(1)
				}
				continue
			}
			var size int64
			if info == nil {
				info, _ = e.Info()
			}
			if info != nil {
				size = info.Size()
			}
			f, ok := s.localFile(cp, cabs, size)
			if !ok {
				s.excludedFiles.Add(1)
				continue
			}
			if !w.emit(f) {
				return false
			}
		}
	}
	return true
}

// localFile is the file at p (abs: its absolute path, with slashes), unless
// its path puts it outside --accounts/--regions.
func (s *scanner) localFile(p, abs string, size int64) (file, bool) {
	keep, records := s.filter.forPath(strings.Split(abs, "/"))
	if !keep {
		return file{}, false
	}
	return file{name: p, size: size, records: records, open: func(context.Context) (io.ReadCloser, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, unwrapPathError(err)
		}
		return f, nil
	}}, true
}

// unwrapPathError drops the path from an *fs.PathError: the error line names
// the file already.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// s3Source is a bucket and prefix in S3, walked level by level with the "/"
// delimiter so that pruned accounts, regions and dates are never listed.
type s3Source struct {
	bucket, prefix string
	b              cloud.Buckets
}

// maxDayPrefixes is the longest --since/--until window (in days) for which a
// region's day prefixes are listed directly rather than found by listing
// years and months.
const maxDayPrefixes = 400

func (src *s3Source) files(ctx context.Context, s *scanner, emit func(file) bool) {
	prefix := src.prefix
	// A prefix that ends inside a level ("AWSLogs/1234") is listed as it is;
	// one that names a level is walked from there.
	src.walk(ctx, s, prefix, emit)
}

func (src *s3Source) url(key string) string { return "s3://" + src.bucket + "/" + key }

// walk lists prefix with the delimiter and descends into the kept common
// prefixes. It returns false when emit asked to stop.
func (src *s3Source) walk(ctx context.Context, s *scanner, prefix string, emit func(file) bool) bool {
	parts := strings.Split(strings.TrimSuffix(prefix, "/"), "/")
	// At a region level with a bounded window, go straight to the days.
	if rest, ok := layout(parts); ok && len(rest) == 3 && strings.HasSuffix(prefix, "/") && !s.filter.since.IsZero() {
		until := s.filter.until
		if until.IsZero() {
			until = time.Now().UTC()
		}
		from := s.filter.since.Add(-Slack).UTC().Truncate(24 * time.Hour)
		to := until.Add(Slack).UTC()
		if days := int(to.Sub(from)/(24*time.Hour)) + 1; days <= maxDayPrefixes {
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				if !src.walk(ctx, s, prefix+d.Format("2006/01/02/"), emit) {
					return false
				}
			}
			return true
		}
	}
	token := ""
	for {
		if ctx.Err() != nil {
			return false
		}
		page, err := src.b.List(ctx, src.bucket, prefix, "/", token)
		if err != nil {
			s.addError(&Error{Source: src.url(prefix), Offset: -1, Err: err})
			return true
		}
		var ok bool
		for _, o := range page.Objects {
			name := path.Base(o.Key)
			if strings.HasSuffix(o.Key, "/") {
				continue
			}
			if !s.filter.keepFile(name) {
				if (filter{}).keepFile(name) {
					s.excludedFiles.Add(1)
				}
				continue
			}
			key := o.Key
			keep, records := s.filter.forPath(strings.Split(key, "/"))
			if !keep {
				s.excludedFiles.Add(1)
				continue
			}
			f := file{name: src.url(key), size: o.Size, records: records, open: func(ctx context.Context) (io.ReadCloser, error) {
				return src.b.Open(ctx, src.bucket, key)
			}}
			if !s.o.noPrefetch && o.Size <= maxPrefetch {
				if f, ok = s.prefetch(ctx, f); !ok {
					return false
				}
			}
			if !emit(f) {
				return false
			}
		}
		for _, p := range page.Prefixes {
			if parts := strings.Split(strings.TrimSuffix(p, "/"), "/"); !s.filter.keepDir(parts) {
				if (filter{}).keepDir(parts) {
					s.excludedDirs.Add(1)
				}
				continue
			}
			if !src.walk(ctx, s, p, emit) {
				return false
			}
		}
		if page.Next == "" {
			return true
		}
		token = page.Next
	}
}

// maxPrefetch is the largest object fetched ahead into memory; larger ones are
// streamed by the worker that reads them. CloudTrail's objects are a few KB
// to a few MB.
const maxPrefetch = 8 << 20

// prefetch starts fetching an object into memory as soon as it is listed, so
// that the workers find it there rather than each waiting on a request: at
// most prefetchPerWorker objects per worker are in flight or waiting to be
// read. It returns false when ctx is done.
func (s *scanner) prefetch(ctx context.Context, f file) (file, bool) {
	select {
	case s.fetching <- struct{}{}:
	case <-ctx.Done():
		return f, false
	}
	p := &fetched{done: make(chan struct{}), release: func() { <-s.fetching }}
	get := f.open
	go func() {
		defer close(p.done)
		rc, err := get(ctx)
		if err != nil {
			p.err = err
			return
		}
		defer rc.Close()
		p.data, p.err = io.ReadAll(rc)
	}()
	f.open = p.open
	return f, true
}

// prefetchPerWorker is how many objects per worker are fetched ahead.
const prefetchPerWorker = 4

// fetched is an object fetched ahead.
type fetched struct {
	done    chan struct{}
	data    []byte
	err     error
	once    sync.Once
	release func()
}

// open waits for the object; closing what it returns (or an error) frees the
// object's place among those fetched ahead. It may be called again (a
// reread): the data stays until the file is done.
func (p *fetched) open(ctx context.Context) (io.ReadCloser, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		p.once.Do(p.release)
		return nil, ctx.Err()
	}
	if p.err != nil {
		p.once.Do(p.release)
		return nil, p.err
	}
	return fetchedReader{bytes.NewReader(p.data), p}, nil
}

type fetchedReader struct {
	*bytes.Reader
	p *fetched
}

func (r fetchedReader) Close() error {
	r.p.once.Do(r.p.release)
	return nil
}
