package ctgen

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloudtrail"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// TestRecords checks that generated records are valid CloudTrail, 1–3 KB for
// background ones, and that the rule pack classifies every injected kind as
// labelled and no look-alike at all.
func TestRecords(t *testing.T) {
	g := New(1, 2)
	c := rules.NewClassifier()
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	classify := func(rec []byte) (string, bool) {
		t.Helper()
		if !json.Valid(rec) {
			t.Fatalf("invalid JSON: %s", rec)
		}
		ev, err := cloudtrail.AppendEvent(nil, rec)
		if err != nil {
			t.Fatalf("bridge %s: %v", rec, err)
		}
		r, ok, err := c.Classify(ev)
		if err != nil {
			t.Fatal(err)
		}
		return r.ID, ok
	}
	for i := 0; i < 2000; i++ {
		rec := g.Background(now, "111111111111", "eu-west-1")
		if len(rec) < 1000 || len(rec) > 3200 {
			t.Errorf("background record of %d bytes", len(rec))
		}
		if id, ok := classify(rec); ok {
			t.Errorf("background record classified as %s: %s", id, rec)
		}
	}
	for _, k := range Kinds {
		for i := 0; i < 20; i++ {
			rec := g.Root(k, now, "111111111111", "eu-west-1")
			if EventID(rec) == "" {
				t.Fatalf("no eventID in %s", rec)
			}
			if id, ok := classify(rec); !ok || id != k {
				t.Errorf("%s classified as %q (%v): %s", k, id, ok, rec)
			}
		}
	}
	for _, l := range LookAlikes {
		for i := 0; i < 20; i++ {
			rec := g.LookAlike(l, now, "111111111111", "eu-west-1")
			if id, ok := classify(rec); ok {
				t.Errorf("look-alike %s classified as %s: %s", l, id, rec)
			}
		}
	}
}

func TestWriteArchiveDeterministic(t *testing.T) {
	c := ArchiveConfig{Seed: 7, Bytes: 300 << 10, FileBytes: 64 << 10, InjectAll: true, RootFraction: 0.01, LookAlikeFraction: 0.01, Accounts: []string{"111111111111", "222222222222"}}
	c.Dir = t.TempDir()
	m1, err := WriteArchive(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Dir = t.TempDir()
	m2, err := WriteArchive(c)
	if err != nil {
		t.Fatal(err)
	}
	if m1.Records != m2.Records || m1.Bytes != m2.Bytes || m1.Compressed != m2.Compressed || len(m1.Labels) != len(m2.Labels) {
		t.Errorf("two archives of one seed differ: %+v vs %+v", m1, m2)
	}
	if len(m1.Files) != 5 || m1.Bytes < 300<<10 {
		t.Errorf("%d files, %d bytes", len(m1.Files), m1.Bytes)
	}
	kinds := map[string]bool{}
	for _, l := range m1.Root() {
		kinds[l.Kind] = true
	}
	if len(kinds) != len(Kinds) {
		t.Errorf("kinds injected: %v", kinds)
	}
}
