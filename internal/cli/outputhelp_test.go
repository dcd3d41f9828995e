package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestOutputHelp checks convention 9 on every command's JSON: each key is
// camelCase and documented in output.md (`rootwatch help output`), and each
// document begins with its result, one of the values documented for it.
// The documents are the golden files of status, test and audit, and what
// destroy and pattern test print here.
func TestOutputHelp(t *testing.T) {
	docs := map[string][]byte{}
	for _, glob := range []string{"../status/testdata/report.json", "../selftest/testdata/golden/*.json", "../audit/testdata/golden/*.json"} {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("no golden files %s (%v)", glob, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			docs[f] = b
		}
	}
	a, _ := deployedFake(t)
	_, out, _ := runStdin(t, a, "", false, "destroy", "--dry-run", "--output", "json")
	docs["destroy --dry-run"] = []byte(out)
	_, out, _ = runStdin(t, a, "", false, "pattern", "test", "--output", "json", "--pattern", `{"source":["aws.signin"]}`, "--event", `{"source":"aws.signin","detail-type":"x","detail":{}}`)
	docs["pattern test"] = []byte(out)
	_, out, _ = runStdin(t, a, "", false, "pattern", "test", "--output", "json", "--pattern", `{"source":["aws.signin"]}`, "--event",
		`{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"Root"},"eventTime":"2024-03-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","eventID":"e1","eventType":"AwsConsoleSignIn","recipientAccountId":"111111111111"}]}`)
	docs["pattern test on a log file"] = []byte(out)

	camel := regexp.MustCompile(`^[a-z]+([A-Z0-9][a-z0-9]*)*$`)
	for name, b := range docs {
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{\n  \"result\": ")) {
			t.Errorf("%s: does not begin with result:\n%.80s", name, b)
		}
		if r, _ := doc["result"].(string); !strings.Contains(outputHelp, "`"+r+"`") {
			t.Errorf("%s: result %q is not documented in output.md", name, r)
		}
		walkKeys(doc, "", func(path, key string) {
			if !camel.MatchString(key) {
				t.Errorf("%s: key %s.%s is not camelCase", name, path, key)
			}
			if !strings.Contains(outputHelp, `"`+key+`"`) {
				t.Errorf("%s: key %s.%s is not documented in output.md", name, path, key)
			}
		})
	}
}

// walkKeys calls f with every object key in v, except the keys of maps whose
// keys are data (audit's summary by status and kinds by rule ID).
func walkKeys(v any, path string, f func(path, key string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			f(path, k)
			if k == "kinds" || k == "summary" || k == "record" {
				continue
			}
			walkKeys(x, path+"."+k, f)
		}
	case []any:
		for _, x := range v {
			walkKeys(x, path+"[]", f)
		}
	}
}
