package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrMalformed is wrapped by errors about a policy document rootwatch cannot
// safely read or edit. rootwatch never rewrites a policy it cannot parse.
var ErrMalformed = errors.New("malformed policy")

// raw is a policy document split into the parts rootwatch edits (the
// statements) and the parts it keeps as they are (Version, Id, anything else).
// Each statement is kept as its raw JSON, so a statement rootwatch does not own
// is written back with exactly its content.
type raw struct {
	top        map[string]json.RawMessage
	keys       []string // top-level keys in their original order ("Statement" included)
	statements []json.RawMessage
}

// Validate reports whether doc is a policy rootwatch can edit safely: a JSON
// object whose Statement is an object or an array of objects, each Sid a
// string. "" is an empty document.
func Validate(doc string) error {
	_, err := parse(doc)
	return err
}

// parse parses a policy document. "" is an empty document.
func parse(s string) (*raw, error) {
	d := &raw{top: map[string]json.RawMessage{}}
	if strings.TrimSpace(s) == "" {
		return d, nil
	}
	if err := json.Unmarshal([]byte(s), &d.top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if d.top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	d.keys = objectKeys(s)
	st, ok := d.top["Statement"]
	if !ok {
		return d, nil
	}
	delete(d.top, "Statement")
	st = bytes.TrimSpace(st)
	switch {
	case len(st) > 0 && st[0] == '{':
		d.statements = []json.RawMessage{st}
	case len(st) > 0 && st[0] == '[':
		if err := json.Unmarshal(st, &d.statements); err != nil {
			return nil, fmt.Errorf("%w: Statement: %v", ErrMalformed, err)
		}
	default:
		return nil, fmt.Errorf("%w: Statement is neither an object nor an array", ErrMalformed)
	}
	for i, st := range d.statements {
		if _, err := statementSid(st); err != nil {
			return nil, fmt.Errorf("%w: statement %d: %v", ErrMalformed, i+1, err)
		}
	}
	return d, nil
}

// statementSid returns a statement's Sid ("" when it has none).
func statementSid(st json.RawMessage) (string, error) {
	var s struct {
		Sid *json.RawMessage
	}
	st = bytes.TrimSpace(st)
	if len(st) == 0 || st[0] != '{' {
		return "", errors.New("not a JSON object")
	}
	if err := json.Unmarshal(st, &s); err != nil {
		return "", err
	}
	if s.Sid == nil {
		return "", nil
	}
	var sid string
	if err := json.Unmarshal(*s.Sid, &sid); err != nil {
		return "", errors.New("the Sid is not a string")
	}
	return sid, nil
}

// String renders the document compactly, top-level fields in their original
// order (Statement always as an array).
func (d *raw) String() string {
	sts := d.statements
	if sts == nil {
		sts = []json.RawMessage{}
	}
	stmts := mustJSON(sts)
	keys := slices.Clone(d.keys)
	if _, ok := d.top["Version"]; ok && !slices.Contains(keys, "Version") {
		keys = append([]string{"Version"}, keys...)
	}
	if !slices.Contains(keys, "Statement") {
		keys = append(keys, "Statement")
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(mustJSON(k))
		b.WriteByte(':')
		if k == "Statement" {
			b.WriteString(stmts)
			continue
		}
		if err := json.Compact(&b, d.top[k]); err != nil {
			panic(err) // parsed from JSON
		}
	}
	b.WriteByte('}')
	return b.String()
}

// objectKeys returns the keys of a JSON object in document order, each once.
func objectKeys(s string) []string {
	dec := json.NewDecoder(strings.NewReader(s))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// find returns the statement with sid, or nil.
func (d *raw) find(sid string) json.RawMessage {
	for _, st := range d.statements {
		if s, _ := statementSid(st); s == sid {
			return st
		}
	}
	return nil
}

// WithStatement returns doc with st added, or replacing the statement(s) with
// st's Sid (in place of the first); every other statement and top-level field
// is kept byte for byte, in order. st must have a Sid. A document without a
// Version gets this package's Version.
func WithStatement(doc string, st Statement) (string, error) {
	if st.Sid == "" {
		return "", errors.New("policy: the statement to merge has no Sid")
	}
	d, err := parse(doc)
	if err != nil {
		return "", err
	}
	b := json.RawMessage(mustJSON(st))
	var kept []json.RawMessage
	placed := false
	for _, old := range d.statements {
		if s, _ := statementSid(old); s == st.Sid {
			if !placed {
				kept = append(kept, b)
				placed = true
			}
			continue
		}
		kept = append(kept, old)
	}
	if !placed {
		kept = append(kept, b)
	}
	d.statements = kept
	if _, ok := d.top["Version"]; !ok {
		d.top["Version"] = json.RawMessage(mustJSON(Version))
	}
	return d.String(), nil
}

// WithoutStatement returns doc without the statements whose Sid is sid, and
// whether there was one. Everything else is kept; without one, doc is
// returned as it was.
func WithoutStatement(doc, sid string) (string, bool, error) {
	d, err := parse(doc)
	if err != nil {
		return "", false, err
	}
	var kept []json.RawMessage
	found := false
	for _, st := range d.statements {
		if s, _ := statementSid(st); s == sid {
			found = true
			continue
		}
		kept = append(kept, st)
	}
	if !found {
		return doc, false, nil
	}
	d.statements = kept
	return d.String(), true, nil
}

// HasStatement reports whether doc holds a statement with want's Sid that is
// semantically equal to want (see Same).
func HasStatement(doc string, want Statement) (bool, error) {
	d, err := parse(doc)
	if err != nil {
		return false, err
	}
	got := d.find(want.Sid)
	if got == nil {
		return false, nil
	}
	return SameJSON(string(got), mustJSON(want)), nil
}

// RawStatements returns the statements of doc, each as its JSON text.
func RawStatements(doc string) ([]string, error) {
	d, err := parse(doc)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(d.statements))
	for i, st := range d.statements {
		out[i] = string(st)
	}
	return out, nil
}

// TopLevelKeys returns the keys of doc's top-level object in order.
func TopLevelKeys(doc string) []string { return objectKeys(doc) }
