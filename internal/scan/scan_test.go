package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloudtrail"
	"github.com/rootwatch/rootwatch/internal/ctgen"
	"github.com/rootwatch/rootwatch/internal/golden"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// sampleArchive is the repository's sample archive: the shared real logs
// (invictus-ir, no root activity) plus one generated file with every kind of
// root activity and every look-alike. See testdata/sample-archive/SOURCES.md.
const sampleArchive = "../../testdata/sample-archive"

// realAccount is the account directory of the real logs in the sample archive.
const realAccount = "218007301253"

func scanT(t testing.TB, targets []string, o Options) Result {
	t.Helper()
	res, err := Scan(context.Background(), targets, o)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return res
}

func findingKinds(res Result) map[string]string {
	m := map[string]string{}
	for _, f := range res.Findings {
		m[f.Summary.EventID] = f.Rule.ID
	}
	return m
}

// TestRealLogsNoFindings: the real logs (the shared invictus-ir copy in the
// sample archive) have no root activity, and the scan reports none, reading
// every byte, with the prefilter as without.
func TestRealLogsNoFindings(t *testing.T) {
	res := scanT(t, []string{sampleArchive}, Options{Accounts: []string{realAccount}})
	if len(res.Findings) != 0 || len(res.Errors) != 0 {
		t.Errorf("findings %v, errors %v; want none", res.Findings, res.Errors)
	}
	const files, bytes = 55, 3660956 // 2,900 records
	if res.Stats.Files != files || res.Stats.Bytes != bytes {
		t.Errorf("read %d files, %d bytes; want %d, %d", res.Stats.Files, res.Stats.Bytes, files, bytes)
	}
	// The same without the prefilter: every record bridged and classified.
	res = scanT(t, []string{sampleArchive}, Options{Accounts: []string{realAccount}, NoPrefilter: true})
	if len(res.Findings) != 0 || len(res.Errors) != 0 || res.Stats.Bytes != bytes {
		t.Errorf("without prefilter: %d findings, %v errors, %d bytes", len(res.Findings), res.Errors, res.Stats.Bytes)
	}
}

// TestSampleArchive: the sample archive's injected events are all found with
// their kinds, and no look-alike is.
func TestSampleArchive(t *testing.T) {
	res := scanT(t, []string{sampleArchive}, Options{})
	labels := readLabels(t, filepath.Join(sampleArchive, "labels.csv"))
	checkLabels(t, res, labels)
}

// TestGeneratedArchive scans generated archives (an organization trail's
// layout, several accounts and regions, root activity and look-alikes
// scattered through background records): every injected root event is found
// with the right kind and no look-alike is reported; the output is the same
// whatever the parallelism and with or without the prefilter.
func TestGeneratedArchive(t *testing.T) {
	dir := t.TempDir()
	m, err := ctgen.WriteArchive(ctgen.ArchiveConfig{
		Dir: dir, Seed: 42, Org: "o-abc123def4",
		Accounts: []string{"111111111111", "222222222222"}, Regions: []string{"us-east-1", "eu-west-1", "ap-southeast-2"},
		Bytes: 6 << 20, FileBytes: 256 << 10, InjectAll: true, RootFraction: 0.01, LookAlikeFraction: 0.01,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Root()) < 2*len(ctgen.Kinds) || len(m.LookAlikes()) < 2*len(ctgen.LookAlikes) {
		t.Fatalf("too few injected events: %d root, %d look-alikes", len(m.Root()), len(m.LookAlikes()))
	}
	res := scanT(t, []string{dir}, Options{Workers: 4})
	checkLabels(t, res, m.Labels)
	if res.Stats.Bytes != m.Bytes || res.Stats.Files != int64(len(m.Files)) {
		t.Errorf("stats %+v; manifest %d bytes, %d files", res.Stats, m.Bytes, len(m.Files))
	}
	want := jsonOutput(t, res)
	for _, o := range []Options{{Workers: 1}, {Workers: 7}, {Workers: 3, NoPrefilter: true}} {
		got := jsonOutput(t, scanT(t, []string{dir}, o))
		if !bytes.Equal(got, want) {
			t.Errorf("options %+v: output differs from 4 workers' (%d vs %d bytes)", o, len(got), len(want))
		}
	}
}

func jsonOutput(t testing.TB, res Result) []byte {
	var b bytes.Buffer
	if err := WriteJSON(&b, res.Findings); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkLabels checks that the findings are exactly the labelled root events,
// each with its kind.
func checkLabels(t *testing.T, res Result, labels []ctgen.Label) {
	t.Helper()
	got := findingKinds(res)
	want := map[string]string{}
	for _, l := range labels {
		if l.Kind != "" {
			want[l.EventID] = l.Kind
		} else if k, ok := got[l.EventID]; ok {
			t.Errorf("look-alike %s (%s) reported as %s", l.LookAlike, l.EventID, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings by event ID (-want +got):\n%s", diff)
	}
	checkOrder(t, res.Findings)
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
}

// TestPrefilterSound checks the claim Prefilter rests on: every root-activity
// rule of the pack names "Root" (userIdentity.type Root, assumedRoot,
// AssumeRoot, a session issuer of type Root) in its pattern, and every
// positive fixture passes the prefilter. Chain rules (tampering by anyone)
// are for live alerts; scan looks for root activity.
func TestPrefilterSound(t *testing.T) {
	for _, r := range rules.All() {
		if r.Scope != rules.ScopeRoot {
			continue
		}
		if !strings.Contains(r.Pattern, `"type":["Root"]`) && !strings.Contains(r.Pattern, `"assumedRoot":["true"]`) && !strings.Contains(r.Pattern, `"eventName":["AssumeRoot"]`) {
			t.Errorf("rule %s requires none of userIdentity.type Root, assumedRoot true, eventName AssumeRoot: Prefilter would hide its matches: %s", r.ID, r.Pattern)
		}
		pos, _ := rules.Fixtures(r.ID)
		for _, f := range pos {
			if !Prefilter(f.Event) {
				t.Errorf("rule %s: positive fixture %s fails the prefilter", r.ID, f.Name)
			}
		}
	}
	// The candidate path: each positive fixture's record, written as
	// CloudTrail writes it, between two ordinary records of a log file, gzip
	// and plain, is found with its kind.
	dir := t.TempDir()
	plain := `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/Rooted"},"eventName":"GetObject","eventSource":"s3.amazonaws.com","eventTime":"2024-01-01T00:00:00Z","eventType":"AwsApiCall","awsRegion":"us-east-1","recipientAccountId":"111111111111"}`
	for _, r := range rules.All() {
		if r.Scope != rules.ScopeRoot {
			continue
		}
		pos, _ := rules.Fixtures(r.ID)
		for i, f := range pos {
			var ev struct{ Detail map[string]json.RawMessage }
			if err := json.Unmarshal(f.Event, &ev); err != nil || ev.Detail == nil {
				t.Fatalf("fixture %s: %v", f.Name, err)
			}
			version := ev.Detail["eventVersion"]
			delete(ev.Detail, "eventVersion")
			ev.Detail["eventTime"] = json.RawMessage(`"2024-01-01T00:00:00Z"`) // some fixtures' are redacted
			rest, _ := json.Marshal(ev.Detail)
			if version == nil {
				version = json.RawMessage(`"1.08"`)
			}
			rec := `{"eventVersion":` + string(version) + `,` + string(rest[1:])
			file := []byte(`{"Records":[` + plain + "," + rec + "," + plain + `]}`)
			name := filepath.Join(dir, r.ID+"-"+itoa(i)+".json")
			os.WriteFile(name, file, 0o644)
			os.WriteFile(name+".gz", gzipBytes(t, file), 0o644)
			for _, p := range []string{name, name + ".gz"} {
				res := scanT(t, []string{p}, Options{})
				if len(res.Findings) != 1 || res.Findings[0].Rule.ID != r.ID || len(res.Errors) > 0 || res.Stats.Bytes != int64(len(file)) {
					t.Errorf("rule %s, fixture %s in %s: %d findings, %d bytes, errors %v; want 1 of its kind, %d", r.ID, f.Name, filepath.Base(p), len(res.Findings), res.Stats.Bytes, res.Errors, len(file))
				}
			}
		}
	}
	// The required strings, as JSON writes them, all contain the needle.
	for _, v := range []string{"Root", "assumedRoot", "AssumeRoot"} {
		if b, _ := json.Marshal(v); !bytes.Contains(b, rootBytes) {
			t.Errorf("%s in JSON is %s, without %s", v, b, rootBytes)
		}
	}
	if Prefilter([]byte(`{"userIdentity":{"type":"IAMUser"}}`)) {
		t.Errorf("prefilter passes a record without Root")
	}
	if Prefilter([]byte(`{"eventName":"ListRoots","requestParameters":{"rootId":"r-ab12"}}`)) {
		t.Errorf("prefilter passes ListRoots, whose Root is not a whole string")
	}
	if !Prefilter([]byte(`{"userIdentity":{"type":"\u0052oot"}}`)) {
		t.Errorf("prefilter rejects an escaped Root")
	}
}

// TestJSONGolden pins --output json's schema on a small generated archive.
func TestJSONGolden(t *testing.T) {
	dir := t.TempDir()
	_, err := ctgen.WriteArchive(ctgen.ArchiveConfig{Dir: dir, Seed: 3, Bytes: 40 << 10, FileBytes: 40 << 10, InjectAll: true, Regions: []string{"us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	res := scanT(t, []string{dir}, Options{})
	got := bytes.ReplaceAll(jsonOutput(t, res), []byte(filepath.ToSlash(dir)), []byte("ARCHIVE"))
	golden.Check(t, filepath.Join("testdata", "findings.jsonl"), got)
	var table, csv bytes.Buffer
	WriteTable(&table, res.Findings)
	WriteCSV(&csv, res.Findings)
	if n := strings.Count(table.String(), "\n"); n != len(ctgen.Kinds)+1 {
		t.Errorf("table has %d lines, want %d:\n%s", n, len(ctgen.Kinds)+1, table.String())
	}
	if n := strings.Count(csv.String(), "\n"); n != len(ctgen.Kinds)+1 {
		t.Errorf("CSV has %d lines, want %d", n, len(ctgen.Kinds)+1)
	}
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestBadInput: each kind of bad input gives one clear error line naming the
// file (and the offset where there is one), and the scan goes on to find the
// root activity in the good files, and in the good parts of bad ones.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	g := ctgen.New(9, 9)
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	root := func(i int) []byte {
		return slices.Clone(g.Root(ctgen.APICall, now.Add(time.Duration(i)*time.Minute), "111111111111", "us-east-1"))
	}
	logFile := func(recs ...[]byte) []byte {
		return append(append([]byte(`{"Records":[`), bytes.Join(recs, []byte(","))...), "]}"...)
	}
	var ids []string
	add := func(rec []byte) []byte { ids = append(ids, ctgen.EventID(rec)); return rec }
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json.gz", gzipBytes(t, logFile(add(root(0)))))
	// Corrupt gzip: a damaged header, and damaged compressed data (which
	// decompresses to garbage that fails as JSON, or fails the checksum).
	z := gzipBytes(t, logFile(root(1)))
	z[2] = 0 // compression method
	badHeader := write("bad-header.json.gz", z)
	z = gzipBytes(t, logFile(root(1), root(2), root(3)))
	for i := len(z) / 2; i < len(z)/2+16; i++ {
		z[i] ^= 0xa5
	}
	corrupt := write("corrupt.json.gz", z)
	// Truncated JSON: the record before the cut is found.
	full := logFile(add(root(4)), root(5))
	truncated := write("truncated.json", full[:len(full)-100])
	// A root record damaged inside: reported, not classified.
	damaged := root(9)
	damaged = append(bytes.TrimSuffix(damaged, []byte("}")), `,"x":tru}`...)
	badRecord := write("bad-record.json", logFile(damaged))
	notCT := write("package.json", []byte(`{"name":"rootwatch","version":"1.0.0","dependencies":{}}`))
	notJSON := write("notes.json", []byte("these are not JSON\n"))
	missing := filepath.Join(dir, "missing.json.gz")
	// A 100 MB record between two root events: skipped, and the one after it
	// found. It holds "Root", so the scan must look inside it: candidate mode
	// cannot buffer it and reads the file again whole, which reports it. (An
	// oversized record without "Root" cannot be root activity, and candidate
	// mode, which searched all of it, says nothing.)
	hugeRec := append(append([]byte(`{"eventVersion":"1.08","blob":"`), bytes.Repeat([]byte("R"), 100<<20)...), `Root"}`...)
	before := add(root(6))
	var hz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&hz, gzip.BestSpeed)
	zw.Write(logFile(before, hugeRec, add(root(7))))
	zw.Close()
	huge := write("huge.json.gz", hz.Bytes())
	hugeRec = nil

	targets := []string{good, badHeader, corrupt, badRecord, truncated, notCT, notJSON, missing, huge}
	if os.Geteuid() != 0 {
		unreadable := write("unreadable.json", logFile(root(8)))
		os.Chmod(unreadable, 0)
		targets = append(targets, unreadable)
	}
	res := scanT(t, targets, Options{})
	var got []string
	for _, e := range res.Errors {
		got = append(got, e.Error())
	}
	wantPrefixes := []string{
		badHeader + ": offset 0: gzip: invalid header",
		badRecord + ": offset 12: invalid JSON",
		corrupt + ": offset ",
		huge + ": offset " + itoa(12+len(before)+1) + ": record too large: 104857637 bytes, more than the 16777216 allowed; record skipped",
		missing + ": stat: no such file or directory",
		notJSON + ": offset 0: not CloudTrail: expected a JSON object",
		notCT + ": offset 0: not CloudTrail: a JSON object that is neither",
		truncated + ": offset " + itoa(len(full)-100) + ": truncated: the input ends inside the record that starts at offset ",
	}
	if os.Geteuid() != 0 {
		wantPrefixes = append(wantPrefixes, filepath.Join(dir, "unreadable.json")+": open: permission denied")
	}
	slices.Sort(wantPrefixes)
	if len(got) != len(wantPrefixes) {
		t.Fatalf("errors:\n%s\nwant %d", strings.Join(got, "\n"), len(wantPrefixes))
	}
	for i := range got {
		if !strings.HasPrefix(got[i], wantPrefixes[i]) {
			t.Errorf("error %d:\n%s\nwant prefix\n%s", i, got[i], wantPrefixes[i])
		}
		if strings.Count(got[i], "\n") != 0 {
			t.Errorf("error %d spans lines: %q", i, got[i])
		}
	}
	var found []string
	for _, f := range res.Findings {
		found = append(found, f.Summary.EventID)
	}
	slices.Sort(ids)
	slices.Sort(found)
	// The corrupt file may yield the records before the damage.
	found = slices.DeleteFunc(found, func(id string) bool { return !slices.Contains(ids, id) })
	if diff := cmp.Diff(ids, found); diff != "" {
		t.Errorf("root events found (-want +got):\n%s", diff)
	}
	if res.Stats.Errors != int64(len(wantPrefixes)) {
		t.Errorf("Stats.Errors = %d", res.Stats.Errors)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestPruning: --since/--until, --accounts and --regions prune directories
// and files by the layout and the file names, and events outside the window
// are not reported.
func TestPruning(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 22, 0, 0, 0, time.UTC)
	m, err := ctgen.WriteArchive(ctgen.ArchiveConfig{
		Dir: dir, Seed: 5, Accounts: []string{"111111111111", "222222222222"}, Regions: []string{"us-east-1", "eu-west-1"},
		Start: start, Bytes: 2 << 20, FileBytes: 16 << 10, RootFraction: 0.05,
	})
	if err != nil {
		t.Fatal(err)
	}
	// 128 files, 32 per stream, 5 minutes each: 22:00 to 00:40 the next day.
	since := time.Date(2024, 3, 2, 0, 10, 0, 0, time.UTC)
	until := time.Date(2024, 3, 2, 0, 20, 0, 0, time.UTC)
	o := Options{Since: since, Until: until, Accounts: []string{"222222222222"}, Regions: []string{"eu-west-1"}}
	res := scanT(t, []string{dir}, o)
	// Files of that stream whose names' stamps are within an hour of the window.
	var wantFiles int
	want := map[string]string{}
	for _, f := range m.Files {
		if strings.Contains(f, "222222222222_CloudTrail_eu-west-1_") {
			stamp, _ := time.Parse("20060102T1504Z", strings.Split(filepath.Base(f), "_")[3])
			if stamp.Add(time.Minute).After(since.Add(-Slack)) && stamp.Before(until.Add(Slack)) {
				wantFiles++
			}
		}
	}
	for _, l := range m.Root() {
		if l.Account == "222222222222" && l.Region == "eu-west-1" && !l.Time.Before(since) && !l.Time.After(until) {
			want[l.EventID] = l.Kind
		}
	}
	if res.Stats.Files != int64(wantFiles) || wantFiles == 0 || wantFiles >= len(m.Files)/4 {
		t.Errorf("read %d files, want %d of %d", res.Stats.Files, wantFiles, len(m.Files))
	}
	if len(want) == 0 {
		t.Fatal("no root event in the window: change the seed")
	}
	if diff := cmp.Diff(want, findingKinds(res)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestFilterKeepDir covers the layout levels.
func TestFilterKeepDir(t *testing.T) {
	f := newFilter(Options{
		Since: time.Date(2024, 3, 1, 0, 30, 0, 0, time.UTC), Until: time.Date(2024, 3, 2, 12, 0, 0, 0, time.UTC),
		Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1"},
	})
	for _, tt := range []struct {
		path string
		want bool
	}{
		{"x/AWSLogs", true},
		{"x/AWSLogs/o-abc", true},
		{"x/AWSLogs/o-abc/111111111111", true},
		{"x/AWSLogs/o-abc/222222222222", false},
		{"x/AWSLogs/111111111111/CloudTrail", true},
		{"x/AWSLogs/111111111111/CloudTrail-Digest", false},
		{"x/AWSLogs/111111111111/CloudTrail-Insight", false},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1", true},
		{"x/AWSLogs/111111111111/CloudTrail/us-east-1", false},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/2024", true},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/2023", false},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/2024/02", true}, // the hour of slack reaches 2024-02-29T23:30
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/2024/04", false},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/2024/03/01", true},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/2024/03/02", true},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/2024/03/03", false},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/2024/02/28", false},
		{"x/not-a-layout/dir", true},
	} {
		if got := f.keepDir(strings.Split(tt.path, "/")); got != tt.want {
			t.Errorf("keepDir(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		want bool
	}{
		{"111111111111_CloudTrail_eu-west-1_20240301T0100Z_abc.json.gz", true},
		{"111111111111_CloudTrail_eu-west-1_20240228T0100Z_abc.json.gz", false},
		{"111111111111_CloudTrail_us-east-1_20240301T0100Z_abc.json.gz", false},
		{"222222222222_CloudTrail_eu-west-1_20240301T0100Z_abc.json.gz", false},
		{"111111111111_CloudTrail-Digest_eu-west-1_x_20240301T0100Z.json.gz", false},
		{"events.jsonl", true},
		{"events.jsonl.gz", true},
		{"README.md", false},
	} {
		if got := f.keepFile(tt.name); got != tt.want {
			t.Errorf("keepFile(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestEventLines: a JSON-lines file of EventBridge events (the shared
// invictus-ir events, as the rules package keeps them) scans like the log
// files, and root events among them are found.
func TestEventLines(t *testing.T) {
	g := ctgen.New(11, 0)
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	var want []string
	for i := 0; i < 50; i++ {
		rec := g.Background(now, "111111111111", "us-east-1")
		if i%10 == 0 {
			rec = g.Root(ctgen.ConsoleSignInMFA, now.Add(time.Duration(i)*time.Second), "111111111111", "us-east-1")
			want = append(want, ctgen.EventID(rec))
		}
		ev, err := cloudtrail.AppendEvent(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(ev)
		b.WriteByte('\n')
	}
	p := filepath.Join(t.TempDir(), "events.jsonl.gz")
	os.WriteFile(p, gzipBytes(t, b.Bytes()), 0o644)
	res := scanT(t, []string{p}, Options{})
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Summary.EventID)
		if f.Rule.ID != ctgen.ConsoleSignInMFA || f.Summary.MFA != "Yes" {
			t.Errorf("finding %s: %s, MFA %q", f.Summary.EventID, f.Rule.ID, f.Summary.MFA)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" || len(res.Errors) > 0 || res.Stats.Bytes != int64(b.Len()) {
		t.Errorf("findings (-want +got):\n%s\nerrors %v, %d bytes, want %d", diff, res.Errors, res.Stats.Bytes, b.Len())
	}
}

func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Scan(ctx, []string{sampleArchive}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// checkOrder checks the output order: each source's findings together, by
// offset.
func checkOrder(t *testing.T, findings []Finding) {
	t.Helper()
	done := map[string]bool{}
	for i, f := range findings {
		if i > 0 && findings[i-1].Source == f.Source {
			if findings[i-1].Offset >= f.Offset {
				t.Errorf("%s: finding at offset %d after one at %d", f.Source, f.Offset, findings[i-1].Offset)
			}
			continue
		}
		if done[f.Source] {
			t.Errorf("%s: findings not together", f.Source)
		}
		done[f.Source] = true
	}
}

// TestStreamingMemory: with Options.Emit, memory does not grow with the
// number of findings (issue 13 bug 7 measured 2.6 GB for 437k findings when
// they were all kept and sorted): scanning four times the findings, the live
// heap at its peak grows by no more than the de-duplication set's ~50 bytes
// a finding. The heap is measured after a collection every 200 findings; the
// reorder window holds a few files' findings at any time, which is noise here.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 28 MB of archive")
	}
	peak := func(mb int) (int64, uint64) {
		dir := t.TempDir()
		m, err := ctgen.WriteArchive(ctgen.ArchiveConfig{Dir: dir, Seed: 5, Bytes: int64(mb) << 20, FileBytes: 256 << 10,
			RootFraction: 0.5, Regions: []string{"us-east-1"}})
		if err != nil {
			t.Fatal(err)
		}
		want := len(m.Root())
		m = ctgen.Manifest{} // the labels grow with the findings: not the scan's memory
		var n int64
		var maxHeap uint64
		var ms runtime.MemStats
		res, err := Scan(context.Background(), []string{dir}, Options{Emit: func(f Finding) error {
			if n++; n%200 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				maxHeap = max(maxHeap, ms.HeapAlloc)
			}
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 0 || n != res.Stats.Findings || int(n) != want {
			t.Fatalf("emitted %d findings, Result has %d and counts %d, archive has %d", n, len(res.Findings), res.Stats.Findings, want)
		}
		return n, maxHeap
	}
	n1, h1 := peak(4)
	n2, h2 := peak(24)
	growth := int64(h2) - int64(h1)
	t.Logf("%d findings: peak live heap %.1f MB; %d findings: %.1f MB (%+d bytes a finding more)", n1, float64(h1)/(1<<20), n2, float64(h2)/(1<<20), growth/(n2-n1))
	// Keeping the findings would cost their records (about 2 KB each) and
	// more: tens of MB here. The window's and the collector's noise is below 2 MB.
	if limit := 200 * (n2 - n1); growth > limit+(2<<20) {
		t.Errorf("live heap grew by %d bytes for %d more findings: memory grows with the findings", growth, n2-n1)
	}
}
