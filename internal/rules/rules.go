// Package rules is rootwatch's root-activity rule pack: the EventBridge patterns
// deploy installs, scan and test evaluate locally, and the messages an e-mail
// subscriber reads. The pack is data embedded in the binary (pack/*.json); the
// same pattern bytes go to AWS and to the local engine.
//
// The root-activity patterns are designed so that every root event matches
// exactly one of them: deploy installs one alert rule per kind, and one root
// event must send one e-mail. Classify nevertheless resolves overlaps by pack
// order (most specific first). The pack also holds rules of ScopeChain, which
// watch rootwatch's own chain (a change by root raises both alerts).
//
// Every pattern requires an AWS source ({"prefix":"aws."}): PutEvents refuses
// aws.* sources, so nobody can forge an alert with a PutEvents call. Messages
// carry only fields AWS sets to safe shapes (SafeFields).
package rules

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/rootwatch/rootwatch/internal/cloudtrail"
)

// Severity ranks a rule's kind of root activity.
type Severity string

// Severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
)

// Scope says what a rule watches.
type Scope string

// Scopes.
const (
	// ScopeRoot rules are kinds of root activity: every root event matches
	// exactly one of them. Classify and scan use these.
	ScopeRoot Scope = "root"
	// ScopeChain rules watch rootwatch's own alert chain: changes to what
	// the alerts depend on, by anyone. They are deployed as alert rules like
	// the others but are not kinds of root activity, so a change made by
	// root raises both its root kind and the chain alert.
	ScopeChain Scope = "chain"
)

// Rule is one kind of activity rootwatch alerts on.
type Rule struct {
	ID       string   `json:"id"` // stable kebab-case, e.g. "root-console-signin-no-mfa"
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	Scope    Scope    `json:"scope"`
	// Pattern is the EventBridge event pattern, compact JSON: deployed to AWS
	// verbatim and evaluated locally.
	Pattern string `json:"pattern"`
	// Message is the input transformer that renders what an e-mail subscriber reads.
	Message    Message  `json:"message"`
	References []string `json:"references"`
}

// Message is an EventBridge input transformer.
type Message struct {
	Paths    map[string]string `json:"paths"`    // InputPathsMap: placeholder -> JSON path
	Template string            `json:"template"` // InputTemplate: a quoted JSON string with <placeholder>s
}

// Fixture is an EventBridge event that a rule must (positive) or must not
// (negative) match.
type Fixture struct {
	Name  string
	Event []byte // EventBridge event JSON
	Note  string // where it comes from and what it shows
}

// Limits EventBridge puts on what the pack deploys.
const (
	// MaxPatternLen is the default quota on an event pattern's size, in characters.
	MaxPatternLen = 2048
	// MaxInputPaths is the most entries an InputPathsMap may have.
	MaxInputPaths = 100
	// MaxTemplateLen is the longest InputTemplate.
	MaxTemplateLen = 8192
)

//go:embed pack/*.json pack/fixtures
var packFS embed.FS

type pack struct {
	rules    []Rule
	byID     map[string]int
	forward  string
	fixtures map[string][2][]Fixture // id -> positive, negative
}

var (
	loadOnce sync.Once
	loaded   *pack
)

// the embedded pack; a malformed pack is a build defect the tests catch, so it
// panics.
func thePack() *pack {
	loadOnce.Do(func() {
		p, err := load()
		if err != nil {
			panic("rules: embedded pack: " + err.Error())
		}
		loaded = p
	})
	return loaded
}

// ruleFile is the on-disk form of a rule.
type ruleFile struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Severity Severity        `json:"severity"`
	Scope    Scope           `json:"scope"`
	Pattern  json.RawMessage `json:"pattern"`
	Message  struct {
		Paths map[string]string `json:"paths"`
		// Text is the message; the InputTemplate is Text in double quotes.
		Text string `json:"text"`
	} `json:"message"`
	References []string `json:"references"`
}

type indexFile struct {
	Order   []string        `json:"order"`
	Forward json.RawMessage `json:"forward"`
}

func load() (*pack, error) {
	var idx indexFile
	if err := decodeFile("pack/pack.json", &idx); err != nil {
		return nil, err
	}
	p := &pack{byID: map[string]int{}, fixtures: map[string][2][]Fixture{}}
	fwd, err := compact(idx.Forward)
	if err != nil {
		return nil, fmt.Errorf("pack.json forward pattern: %w", err)
	}
	p.forward = fwd
	for _, id := range idx.Order {
		var f ruleFile
		name := "pack/" + id + ".json"
		if err := decodeFile(name, &f); err != nil {
			return nil, err
		}
		if f.ID != id {
			return nil, fmt.Errorf("%s: id %q does not match its file name", name, f.ID)
		}
		if _, dup := p.byID[id]; dup {
			return nil, fmt.Errorf("pack.json: rule %s listed twice", id)
		}
		pat, err := compact(f.Pattern)
		if err != nil {
			return nil, fmt.Errorf("%s: pattern: %w", name, err)
		}
		if f.Scope != ScopeRoot && f.Scope != ScopeChain {
			return nil, fmt.Errorf("%s: scope %q: want %q or %q", name, f.Scope, ScopeRoot, ScopeChain)
		}
		if strings.ContainsAny(f.Message.Text, "\"\\") {
			return nil, fmt.Errorf("%s: message text must not contain quotes or backslashes", name)
		}
		for k, p := range f.Message.Paths {
			if !IsSafeField(p) {
				return nil, fmt.Errorf("%s: message path %s = %s is not a safe field (see SafeFields)", name, k, p)
			}
		}
		r := Rule{
			ID:         id,
			Title:      f.Title,
			Severity:   f.Severity,
			Scope:      f.Scope,
			Pattern:    pat,
			Message:    Message{Paths: f.Message.Paths, Template: `"` + f.Message.Text + `"`},
			References: f.References,
		}
		p.byID[id] = len(p.rules)
		p.rules = append(p.rules, r)
		pos, err := loadFixtures(id, "positive")
		if err != nil {
			return nil, err
		}
		neg, err := loadFixtures(id, "negative")
		if err != nil {
			return nil, err
		}
		p.fixtures[id] = [2][]Fixture{pos, neg}
	}
	return p, nil
}

func decodeFile(name string, v any) error {
	b, err := packFS.ReadFile(name)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func compact(raw json.RawMessage) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

// fixtureFile is the on-disk form of a fixture: either an EventBridge event or
// a CloudTrail record, which is bridged to the event AWS would deliver.
type fixtureFile struct {
	Note   string          `json:"note"`
	Event  json.RawMessage `json:"event"`
	Record json.RawMessage `json:"record"`
}

func loadFixtures(id, kind string) ([]Fixture, error) {
	dir := path.Join("pack/fixtures", id, kind)
	entries, err := packFS.ReadDir(dir)
	if err != nil {
		return nil, nil // no fixtures of this kind; the tests insist on some
	}
	var out []Fixture
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		var f fixtureFile
		name := path.Join(dir, e.Name())
		if err := decodeFile(name, &f); err != nil {
			return nil, err
		}
		var ev []byte
		switch {
		case f.Event != nil && f.Record == nil:
			c, err := compact(f.Event)
			if err != nil {
				return nil, fmt.Errorf("%s: event: %w", name, err)
			}
			ev = []byte(c)
		case f.Record != nil && f.Event == nil:
			c, err := compact(f.Record)
			if err != nil {
				return nil, fmt.Errorf("%s: record: %w", name, err)
			}
			ev, err = cloudtrail.AppendEvent(nil, []byte(c))
			if err != nil {
				return nil, fmt.Errorf("%s: bridge record: %w", name, err)
			}
		default:
			return nil, fmt.Errorf("%s: needs exactly one of event and record", name)
		}
		out = append(out, Fixture{Name: strings.TrimSuffix(e.Name(), ".json"), Event: ev, Note: f.Note})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// All returns the pack's rules, most specific first. The order is stable.
func All() []Rule {
	p := thePack()
	out := make([]Rule, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.clone()
	}
	return out
}

// Get returns the rule with the given ID.
func Get(id string) (Rule, bool) {
	p := thePack()
	i, ok := p.byID[id]
	if !ok {
		return Rule{}, false
	}
	return p.rules[i].clone(), true
}

// IDs returns the rule IDs in pack order.
func IDs() []string {
	p := thePack()
	out := make([]string, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.ID
	}
	return out
}

// ForwardPattern is the pattern of the per-region forwarding rule: a superset of
// every rule's pattern (all root activity, sessions from centralized root access,
// federated sessions root issued and AssumeRoot included, and every call the
// chain rule watches, by service and event name; the alert rule on the home bus
// then checks the resource names). It is deployed verbatim.
func ForwardPattern() string { return thePack().forward }

// Fixtures returns a rule's positive fixtures (events it must match) and
// negative ones (look-alikes that must match no rule). They are embedded in the
// binary: `rootwatch test` sends them to AWS's TestEventPattern.
func Fixtures(id string) (positive, negative []Fixture) {
	f := thePack().fixtures[id]
	return cloneFixtures(f[0]), cloneFixtures(f[1])
}

func cloneFixtures(in []Fixture) []Fixture {
	out := make([]Fixture, len(in))
	for i, f := range in {
		f.Event = bytes.Clone(f.Event)
		out[i] = f
	}
	return out
}

func (r Rule) clone() Rule {
	paths := make(map[string]string, len(r.Message.Paths))
	for k, v := range r.Message.Paths {
		paths[k] = v
	}
	r.Message.Paths = paths
	r.References = append([]string(nil), r.References...)
	return r
}
