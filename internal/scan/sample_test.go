package scan

import (
	"bytes"
	"encoding/csv"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/ctgen"
)

var makeSample = flag.Bool("make-sample", false, "rebuild the repository's sample archive (testdata/sample-archive) from ../shared and the generator")

// sharedLogs is the shared copy of the invictus-ir logs, from this package.
const sharedLogs = "../../../shared/data/cloudtrail/logs/invictus-ir"

// TestMakeSampleArchive rebuilds testdata/sample-archive when run with
// -make-sample: the real logs copied as they are, plus one generated file
// (account 111111111111, us-east-1) holding one event of every kind of root
// activity and every look-alike, with labels.json saying which is which.
func TestMakeSampleArchive(t *testing.T) {
	if !*makeSample {
		t.Skip("run with -make-sample to rebuild the sample archive")
	}
	os.RemoveAll(filepath.Join(sampleArchive, "AWSLogs"))
	err := filepath.WalkDir(filepath.Join(sharedLogs, "AWSLogs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(sharedLogs, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(sampleArchive, rel)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(sharedLogs, "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sampleArchive, "invictus-ir.LICENSE"), b, 0o644)
	m, err := ctgen.WriteArchive(ctgen.ArchiveConfig{
		Dir: sampleArchive, Seed: 2023, Accounts: []string{"111111111111"}, Regions: []string{"us-east-1"},
		Start: time.Date(2023, 7, 10, 12, 40, 0, 0, time.UTC), Bytes: 48 << 10, FileBytes: 48 << 10, InjectAll: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	w.Write([]string{"eventID", "kind", "lookAlike", "time"})
	for _, l := range m.Labels {
		w.Write([]string{l.EventID, l.Kind, l.LookAlike, l.Time.Format(time.RFC3339)})
	}
	w.Flush()
	os.Remove(filepath.Join(sampleArchive, "labels.json"))
	if err := os.WriteFile(filepath.Join(sampleArchive, "labels.csv"), out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("sample archive: %d generated records (%d bytes) in %v", m.Records, m.Bytes, m.Files)
}

func readLabels(t *testing.T, p string) []ctgen.Label {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %v", p, err)
	}
	var l []ctgen.Label
	for _, r := range rows[1:] {
		l = append(l, ctgen.Label{EventID: r[0], Kind: r[1], LookAlike: r[2]})
	}
	return l
}
