package cli

import (
	"os"
	"strings"
	"testing"
)

// TestREADME keeps the README's command table and exit-code section in step
// with the binary: every command is in the table, and the exit codes are
// exitCodesDoc verbatim.
func TestREADME(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if !strings.Contains(readme, "```\n"+exitCodesDoc+"```\n") {
		t.Errorf("README.md's exit codes are not exitCodesDoc (internal/cli/exit.go):\n%s", exitCodesDoc)
	}
	for _, c := range append(commands(), command{name: "help"}) {
		name := c.name
		if name == "pattern" {
			name = "pattern test"
		}
		if !strings.Contains(readme, "\n| `"+name+"` |") && !strings.Contains(readme, "\n| `"+name+" ") {
			t.Errorf("README.md's command table lacks %s", name)
		}
	}
}
