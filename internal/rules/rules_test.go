package rules

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rootwatch/rootwatch/internal/cloudtrail"
	"github.com/rootwatch/rootwatch/internal/golden"
	"github.com/rootwatch/rootwatch/internal/pattern"
)

var (
	kebab       = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	placeholder = regexp.MustCompile(`<([^<>]*)>`)
	pathKey     = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	jsonPath    = regexp.MustCompile(`^\$(\.[A-Za-z0-9_-]+|\[[0-9]+\])+$`)
)

func TestPackIsWellFormed(t *testing.T) {
	all := All()
	if len(all) < 14 {
		t.Fatalf("pack has %d rules, want at least 14", len(all))
	}
	seen := map[string]bool{}
	for _, r := range all {
		t.Run(r.ID, func(t *testing.T) {
			if !kebab.MatchString(r.ID) || seen[r.ID] {
				t.Errorf("ID %q is not unique kebab-case", r.ID)
			}
			seen[r.ID] = true
			if got, ok := Get(r.ID); !ok || !cmp.Equal(got, r) {
				t.Errorf("Get(%q) = %v, %v; want the rule from All", r.ID, got, ok)
			}
			switch r.Severity {
			case Critical, High, Medium, Low:
			default:
				t.Errorf("severity %q", r.Severity)
			}
			if r.Title == "" || len(r.References) == 0 {
				t.Errorf("title %q, %d references: both required", r.Title, len(r.References))
			}
			if _, err := pattern.Compile([]byte(r.Pattern)); err != nil {
				t.Errorf("pattern does not compile: %v", err)
			}
			if len(r.Pattern) > MaxPatternLen {
				t.Errorf("pattern is %d characters, EventBridge's default limit is %d", len(r.Pattern), MaxPatternLen)
			}
			checkMessage(t, r.Message)
		})
	}
	if _, ok := Get("no-such-rule"); ok {
		t.Error("Get of an unknown ID succeeded")
	}
	fwd := ForwardPattern()
	if _, err := pattern.Compile([]byte(fwd)); err != nil {
		t.Errorf("forward pattern does not compile: %v", err)
	}
	if len(fwd) > MaxPatternLen {
		t.Errorf("forward pattern is %d characters", len(fwd))
	}
}

func checkMessage(t *testing.T, m Message) {
	t.Helper()
	if len(m.Paths) == 0 || len(m.Paths) > MaxInputPaths {
		t.Errorf("%d input paths, want 1..%d", len(m.Paths), MaxInputPaths)
	}
	if len(m.Template) > MaxTemplateLen || !strings.HasPrefix(m.Template, `"`) || !strings.HasSuffix(m.Template, `"`) {
		t.Errorf("template %q: want a quoted string of at most %d characters", m.Template, MaxTemplateLen)
	}
	used := map[string]bool{}
	for _, sm := range placeholder.FindAllStringSubmatch(m.Template, -1) {
		used[sm[1]] = true
		if _, ok := m.Paths[sm[1]]; !ok {
			t.Errorf("template uses <%s>, which has no input path", sm[1])
		}
	}
	for k, p := range m.Paths {
		if !pathKey.MatchString(k) || strings.HasPrefix(k, "aws.") {
			t.Errorf("input path key %q", k)
		}
		if !jsonPath.MatchString(p) {
			t.Errorf("input path %s = %q is not dot-notation JSON path", k, p)
		}
		if !used[k] {
			t.Errorf("input path %s is not used by the template", k)
		}
	}
	// What every e-mail must say: the result (a sign-in's result or an error code) ...
	if !used["result"] && !used["result1"] && !used["error"] {
		t.Errorf("template does not render the result")
	}
	// ... and the rest.
	for _, k := range []string{"account", "time", "ip", "region", "mfa"} {
		if !used[k] {
			t.Errorf("template does not render %s", k)
		}
	}
	// Only fields AWS sets to safe shapes (TestHostileValues renders them).
	for k, p := range m.Paths {
		if !IsSafeField(p) {
			t.Errorf("input path %s = %s is not on the allow-list (SafeFields)", k, p)
		}
	}
	// So that a reader can look the event up.
	if m.Paths["eventid"] != "$.detail.eventID" || m.Paths["id"] != "$.id" {
		t.Errorf("template does not render the CloudTrail and EventBridge event IDs")
	}
}

// Every rule file in pack/ is listed in pack.json, and every fixture folder
// belongs to a rule.
func TestPackHasNoOrphans(t *testing.T) {
	ids := IDs()
	files, err := fs.Glob(packFS, "pack/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".json")
		if id != "pack" && !slices.Contains(ids, id) {
			t.Errorf("%s is not listed in pack/pack.json", f)
		}
	}
	dirs, err := packFS.ReadDir("pack/fixtures")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !slices.Contains(ids, d.Name()) {
			t.Errorf("fixtures for unknown rule %s", d.Name())
		}
	}
}

// allRules compiles every rule of the pack, of every scope, into one matcher:
// what the alert rules deployed on the bus do together.
func allRules(t testing.TB) *pattern.Matcher {
	t.Helper()
	m := pattern.NewMatcher()
	for _, r := range All() {
		m.Add(r.ID, pattern.MustCompile(r.Pattern))
	}
	return m
}

// byScope splits rule IDs by their rule's scope.
func byScope(ids []string) (root, chain []string) {
	for _, id := range ids {
		r, _ := Get(id)
		if r.Scope == ScopeRoot {
			root = append(root, id)
		} else {
			chain = append(chain, id)
		}
	}
	return root, chain
}

// Every rule has positive and negative fixtures. A positive of a root rule
// matches its rule and no other; a positive of a chain rule matches its rule
// and, when root made the change, the one root kind of that call (a decision:
// the change is both root activity and a cut in the chain). No negative
// matches any rule. The forwarding pattern forwards every positive.
func TestFixtures(t *testing.T) {
	c := NewClassifier()
	all := allRules(t)
	fwd := pattern.MustCompile(ForwardPattern())
	for _, r := range All() {
		t.Run(r.ID, func(t *testing.T) {
			pos, neg := Fixtures(r.ID)
			if len(pos) == 0 || len(neg) == 0 {
				t.Fatalf("%d positive and %d negative fixtures; want both", len(pos), len(neg))
			}
			for _, f := range pos {
				ids, err := all.Match(f.Event)
				if err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				root, chain := byScope(ids)
				got, ok, err := c.Classify(f.Event)
				if err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				switch r.Scope {
				case ScopeRoot:
					if !cmp.Equal(ids, []string{r.ID}) {
						t.Errorf("positive %s matches %v, want exactly [%s]", f.Name, ids, r.ID)
					}
					if !ok || got.ID != r.ID {
						t.Errorf("Classify(positive %s) = %q, %v; want %s", f.Name, got.ID, ok, r.ID)
					}
				case ScopeChain:
					if !cmp.Equal(chain, []string{r.ID}) || len(root) > 1 {
						t.Errorf("positive %s matches %v, want [%s] and at most one root kind", f.Name, ids, r.ID)
					}
					if len(root) == 1 && !strings.Contains(string(f.Event), `"type":"Root"`) {
						t.Errorf("positive %s: a root kind %v matches but root did not act", f.Name, root)
					}
					if ok != (len(root) == 1) || (ok && got.ID != root[0]) {
						t.Errorf("Classify(positive %s) = %q, %v; want the root kind %v", f.Name, got.ID, ok, root)
					}
				}
				if ok, err := fwd.Match(f.Event); !ok || err != nil {
					t.Errorf("forward pattern does not match positive %s (%v)", f.Name, err)
				}
				if f.Note == "" {
					t.Errorf("positive %s has no note", f.Name)
				}
			}
			for _, f := range neg {
				ids, err := all.Match(f.Event)
				if err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				if len(ids) != 0 {
					t.Errorf("negative %s matches %v", f.Name, ids)
				}
				if f.Note == "" {
					t.Errorf("negative %s has no note", f.Name)
				}
			}
		})
	}
}

// No rule and not the forwarding pattern matches an event whose source is
// not AWS's: PutEvents refuses aws.* sources, so a forged event (a root
// sign-in sent with PutEvents) can carry any source but that. Every positive
// fixture, its source replaced, must match nothing.
func TestForgedSourcesMatchNothing(t *testing.T) {
	all := allRules(t)
	fwd := pattern.MustCompile(ForwardPattern())
	forged := []string{"rootwatch.forged", "aws", "aws-signin", "awssignin", "AWS.signin", "signin.amazonaws.com", " aws.signin"}
	n := 0
	for _, r := range All() {
		pos, _ := Fixtures(r.ID)
		for _, f := range pos {
			var ev map[string]any
			if err := json.Unmarshal(f.Event, &ev); err != nil {
				t.Fatal(err)
			}
			if src, _ := ev["source"].(string); !strings.HasPrefix(src, "aws.") {
				t.Errorf("%s/%s: genuine fixture has source %q", r.ID, f.Name, src)
			}
			for _, src := range forged {
				ev["source"] = src
				b, err := json.Marshal(ev)
				if err != nil {
					t.Fatal(err)
				}
				n++
				if ids, err := all.Match(b); err != nil || len(ids) > 0 {
					t.Errorf("%s/%s with source %q matches %v (%v)", r.ID, f.Name, src, ids, err)
				}
				if ok, _ := fwd.Match(b); ok {
					t.Errorf("%s/%s with source %q is forwarded", r.ID, f.Name, src)
				}
			}
		}
	}
	t.Logf("%d forged events checked", n)
}

// The look-alikes the issue names are among the negatives.
func TestLookAlikesAreNegatives(t *testing.T) {
	want := map[string]string{
		"an IAM user named root":             `"arn:aws:iam::123456789012:user/root"`,
		"a role named Root-Admin":            `role/Root-Admin"`,
		"the word Root in requestParameters": `"userName":"Root"`,
		"a call invoked by a service":        `"invokedBy":"cloudformation.amazonaws.com"`,
		"an AwsServiceEvent":                 `"detail-type":"AWS Service Event via CloudTrail"`,
	}
	for what, marker := range want {
		found := false
		for _, id := range IDs() {
			_, neg := Fixtures(id)
			for _, f := range neg {
				if strings.Contains(string(f.Event), marker) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("no negative fixture is %s (containing %s)", what, marker)
		}
	}
}

// Every root event gets exactly one kind (of the root-activity rules; the
// chain rule is another scope: TestTamperByAnyone). The grid crosses the
// fields the patterns read; an event is root activity when its identity is
// Root or a federated session root issued (and no service invoked it, and it
// is not a service event), when it comes from a centralized-root-access
// session, or when it is AssumeRoot.
func TestExactlyOneKindPerRootEvent(t *testing.T) {
	c := NewClassifier()
	fwd := pattern.MustCompile(ForwardPattern())
	names := []string{"ConsoleLogin", "AssumeRoot", "PutObject", "CheckMfa", "ExternalIdPDirectoryLogin",
		"PasswordRecoveryRequested", "PasswordRecoveryCompleted", "PasswordUpdated", "EmailUpdated",
		"CreateAccessKey", "CreateLoginProfile", "EnableMFADevice", "DeactivateMFADevice",
		"CreateVirtualMFADevice", "DeleteVirtualMFADevice", "ResyncMFADevice", "CloseAccount",
		"GetSessionToken", "GetFederationToken"}
	detailTypes := []string{"AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail", "AWS Console Signin via CloudTrail", "AWS Service Event via CloudTrail"}
	identities := map[string]string{
		"root":                      `{"type":"Root","arn":"arn:aws:iam::123456789012:root"}`,
		"root-signin":               `{"type":"Root","invokedBy":"signin.amazonaws.com"}`,
		"root-by-service":           `{"type":"Root","invokedBy":"cloudformation.amazonaws.com"}`,
		"root-assumed":              `{"type":"Root","sessionContext":{"assumedRoot":"true"}}`,
		"role-assumed":              `{"type":"AssumedRole","sessionContext":{"assumedRoot":"true"}}`,
		"iam-user-root":             `{"type":"IAMUser","userName":"root","arn":"arn:aws:iam::123456789012:user/root"}`,
		"role-root-admin":           `{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/Root-Admin/x"}`,
		"root-federated":            `{"type":"FederatedUser","sessionContext":{"sessionIssuer":{"type":"Root"}}}`,
		"root-federated-by-service": `{"type":"FederatedUser","invokedBy":"cloudformation.amazonaws.com","sessionContext":{"sessionIssuer":{"type":"Root"}}}`,
		"user-federated":            `{"type":"FederatedUser","sessionContext":{"sessionIssuer":{"type":"IAMUser"}}}`,
	}
	errorCodes := []string{"", `"errorCode":"AccessDenied",`, `"errorCode":"AccessDeniedException",`, `"errorCode":"ThrottlingException",`}
	results := []string{"", `"responseElements":{"ConsoleLogin":"Success"},`, `"responseElements":{"ConsoleLogin":"Failure"},`}
	mfas := []string{"", `"additionalEventData":{"MFAUsed":"Yes"},`, `"additionalEventData":{"MFAUsed":"YES"},`, `"additionalEventData":{"MFAUsed":"No"},`}
	n := 0
	for _, name := range names {
		for _, dt := range detailTypes {
			for iname, ident := range identities {
				for _, ec := range errorCodes {
					for _, res := range results {
						for _, mfa := range mfas {
							ev := fmt.Sprintf(`{"version":"0","id":"x","detail-type":%q,"source":"aws.x","account":"123456789012","time":"2026-10-14T09:10:02Z","region":"us-east-1","resources":[],"detail":{%s%s%s"eventName":%q,"userIdentity":%s}}`,
								dt, ec, res, mfa, name, ident)
							ids, err := c.AppendMatches(nil, []byte(ev))
							if err != nil {
								t.Fatal(err)
							}
							n++
							service := dt == "AWS Service Event via CloudTrail"
							root := !service && (name == "AssumeRoot" || strings.HasSuffix(iname, "assumed") ||
								iname == "root" || iname == "root-signin" || iname == "root-federated")
							switch {
							case root && len(ids) != 1:
								t.Errorf("root event matches %v, want exactly one rule: %s", ids, ev)
							case !root && len(ids) != 0:
								t.Errorf("non-root event matches %v: %s", ids, ev)
							}
							if ok, _ := fwd.Match([]byte(ev)); len(ids) > 0 && !ok {
								t.Errorf("forward pattern misses an event rule %v matches: %s", ids, ev)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d events checked", n)
}

// A change to the chain alerts whoever makes it; when root makes it, the
// call is also root activity and gets its one root kind. Every positive of
// the chain rule, made by each kind of identity, matches the chain rule,
// is forwarded, and gets a root kind exactly when root acted.
func TestTamperByAnyone(t *testing.T) {
	all := allRules(t)
	fwd := pattern.MustCompile(ForwardPattern())
	identities := map[string]string{
		"root":           `{"type":"Root","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"}`,
		"root-federated": `{"type":"FederatedUser","sessionContext":{"sessionIssuer":{"type":"Root"}}}`,
		"root-assumed":   `{"type":"AssumedRole","sessionContext":{"assumedRoot":"true"}}`,
		"iam-user":       `{"type":"IAMUser","userName":"ops"}`,
		"role":           `{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/Admin/x"}`,
		"service":        `{"type":"AWSService","invokedBy":"cloudformation.amazonaws.com"}`,
	}
	n := 0
	for _, r := range All() {
		if r.Scope != ScopeChain {
			continue
		}
		pos, _ := Fixtures(r.ID)
		for _, f := range pos {
			var ev map[string]any
			if err := json.Unmarshal(f.Event, &ev); err != nil {
				t.Fatal(err)
			}
			detail := ev["detail"].(map[string]any)
			for iname, ident := range identities {
				detail["userIdentity"] = json.RawMessage(ident)
				b, err := json.Marshal(ev)
				if err != nil {
					t.Fatal(err)
				}
				n++
				ids, err := all.Match(b)
				if err != nil {
					t.Fatal(err)
				}
				root, chain := byScope(ids)
				if !cmp.Equal(chain, []string{r.ID}) {
					t.Errorf("%s by %s: chain rules %v, want [%s]", f.Name, iname, chain, r.ID)
				}
				wantRoot := strings.HasPrefix(iname, "root")
				if len(root) > 1 || (len(root) == 1) != wantRoot {
					t.Errorf("%s by %s: root kinds %v, want exactly one: %v", f.Name, iname, root, wantRoot)
				}
				if ok, _ := fwd.Match(b); !ok {
					t.Errorf("%s by %s is not forwarded", f.Name, iname)
				}
			}
		}
	}
	t.Logf("%d events checked", n)
}

// The real, root-free CloudTrail of invictus-ir (an attack simulation)
// matches no root-activity rule. It does tamper with trails, and the chain
// rule finds exactly those calls; the forwarding pattern forwards them, and
// forwards nothing with a root identity.
func TestRealTrail(t *testing.T) {
	f, err := os.Open("testdata/invictus-ir.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClassifier()
	all := allRules(t)
	fwd := pattern.MustCompile(ForwardPattern())
	trailChanges := map[string]bool{"StopLogging": true, "DeleteTrail": true, "UpdateTrail": true, "PutEventSelectors": true}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n, tampered, forwarded := 0, 0, 0
	for sc.Scan() {
		n++
		var ev struct {
			Detail struct {
				EventName   string `json:"eventName"`
				EventSource string `json:"eventSource"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		ids, err := c.AppendMatches(nil, sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if len(ids) > 0 {
			t.Errorf("line %d matches root rules %v", n, ids)
		}
		ids, err = all.Match(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		want := ev.Detail.EventSource == "cloudtrail.amazonaws.com" && trailChanges[ev.Detail.EventName]
		if got := len(ids) > 0; got != want {
			t.Errorf("line %d (%s %s): rules %v, want a match: %v", n, ev.Detail.EventSource, ev.Detail.EventName, ids, want)
		}
		if want {
			tampered++
		}
		ok, _ := fwd.Match(sc.Bytes())
		if len(ids) > 0 && !ok {
			t.Errorf("line %d: rules %v match but it is not forwarded", n, ids)
		}
		if ok {
			forwarded++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 2900 {
		t.Errorf("read %d events, want 2900", n)
	}
	if tampered != 8 {
		t.Errorf("%d trail changes found, want the 8 of the record", tampered)
	}
	t.Logf("%d events, %d trail changes alerted, %d forwarded", n, tampered, forwarded)
}

func TestRenderGolden(t *testing.T) {
	for _, r := range All() {
		t.Run(r.ID, func(t *testing.T) {
			pos, _ := Fixtures(r.ID)
			var b strings.Builder
			for _, f := range pos {
				out, err := Render(r, f.Event)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%s:\n%s\n\n", f.Name, out)
			}
			golden.Check(t, filepath.Join("testdata", "render", r.ID+".txt"), []byte(b.String()))
		})
	}
}

func TestRenderSemantics(t *testing.T) {
	ev := []byte(`{"account":"123456789012","detail":{"s":"a\"b","n":1.50,"t":true,"z":null,"o":{"k":"v","n":[1,"x"]},"a":["p","q"],"e":""}}`)
	tests := []struct {
		path, want string
	}{
		{"$.account", "123456789012"},
		{"$.detail.s", `a"b`}, // not escaped, as EventBridge does
		{"$.detail.n", "1.50"},
		{"$.detail.t", "true"},
		{"$.detail.z", "null"},
		{"$.detail.o", "{k:v,n:[1,x]}"}, // objects lose their quotes inside a string
		{"$.detail.a", "[p,q]"},
		{"$.detail.a[1]", "q"},
		{"$.detail.a[5]", ""},
		{"$.detail.missing", ""},
		{"$.detail.s.deeper", ""},
		{"$.detail.e", ""},
	}
	for _, tt := range tests {
		r := Rule{ID: "t", Message: Message{Paths: map[string]string{"v": tt.path}, Template: `"[<v>] <undefined>"`}}
		got, err := Render(r, ev)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if want := `"[` + tt.want + `] <undefined>"`; got != want {
			t.Errorf("%s: got %s, want %s", tt.path, got, want)
		}
	}
	if _, err := Render(Rule{Message: Message{Paths: map[string]string{"v": "detail"}, Template: `"<v>"`}}, ev); err == nil {
		t.Error("a path without $ was accepted")
	}
	if _, err := Render(Rule{Message: Message{Template: `"x"`}}, []byte(`{`)); err == nil {
		t.Error("a malformed event was accepted")
	}
}

func TestFixturesAreCopies(t *testing.T) {
	pos, _ := Fixtures(IDs()[0])
	pos[0].Event[0] = 'X'
	again, _ := Fixtures(IDs()[0])
	if again[0].Event[0] != '{' {
		t.Error("Fixtures returns the embedded bytes, not a copy")
	}
}

func BenchmarkClassifyRootEvent(b *testing.B) {
	c := NewClassifier()
	pos, _ := Fixtures("root-api-call")
	ev := pos[0].Event
	b.SetBytes(int64(len(ev)))
	for b.Loop() {
		if _, ok, _ := c.Classify(ev); !ok {
			b.Fatal("no match")
		}
	}
}

// The bridge rebuilds AWS's envelope from the record alone: on the 2,900 real
// events, bridging each detail gives back the same detail-type, source,
// account, time and region.
func TestBridgeAgreesWithRealEvents(t *testing.T) {
	f, err := os.Open("testdata/invictus-ir.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	type env struct {
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Detail     json.RawMessage `json:"detail"`
	}
	var buf []byte
	for n := 1; sc.Scan(); n++ {
		var want env
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		buf, err = cloudtrail.AppendEvent(buf[:0], want.Detail)
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		var got env
		if err := json.Unmarshal(buf, &got); err != nil {
			t.Fatalf("line %d: bridged event: %v", n, err)
		}
		got.Detail, want.Detail = nil, nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("line %d (-delivered +bridged):\n%s", n, diff)
		}
	}
}

// The rule pack on real, root-free CloudTrail: the scan hot path.
func BenchmarkClassifierRealTrail(b *testing.B) {
	f, err := os.Open("testdata/invictus-ir.jsonl.gz")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var events [][]byte
	var size int64
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		events = append(events, bytes.Clone(sc.Bytes()))
		size += int64(len(sc.Bytes()))
	}
	c := NewClassifier()
	b.SetBytes(size / int64(len(events)))
	var dst []string
	i := 0
	for b.Loop() {
		dst, err = c.AppendMatches(dst[:0], events[i])
		if err != nil || len(dst) != 0 {
			b.Fatal(dst, err)
		}
		if i++; i == len(events) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
