package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.failed = true }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = true }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "out.txt")

	r := &recorder{TB: t}
	Check(r, path, []byte("x"))
	if !r.failed {
		t.Error("a missing golden file passed")
	}

	*update = true
	Check(t, path, []byte("hello\n"))
	*update = false
	if b, err := os.ReadFile(path); err != nil || string(b) != "hello\n" {
		t.Fatalf("-update wrote %q, %v", b, err)
	}

	Check(t, path, []byte("hello\n"))
	r = &recorder{TB: t}
	Check(r, path, []byte("goodbye\n"))
	if !r.failed {
		t.Error("different output passed")
	}
}
