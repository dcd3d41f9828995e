package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ErrMalformedPolicy is wrapped by errors about a policy document rootwatch
// cannot safely edit. rootwatch never rewrites a policy it cannot parse.
var ErrMalformedPolicy = errors.New("malformed policy")

// policyDoc is a policy document split into the parts rootwatch edits (the
// statements) and the parts it keeps as they are (Version, Id, anything else).
// Each statement is kept as its raw JSON, so a statement rootwatch does not own
// is written back with exactly its content.
type policyDoc struct {
	top        map[string]json.RawMessage
	keys       []string // top-level keys in their original order ("Statement" included)
	statements []json.RawMessage
}

// parsePolicy parses a policy document. "" is an empty document.
func parsePolicy(s string) (*policyDoc, error) {
	d := &policyDoc{top: map[string]json.RawMessage{}}
	if strings.TrimSpace(s) == "" {
		return d, nil
	}
	if err := json.Unmarshal([]byte(s), &d.top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedPolicy, err)
	}
	if d.top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformedPolicy)
	}
	d.keys = objectKeys(s)
	raw, ok := d.top["Statement"]
	if !ok {
		return d, nil
	}
	delete(d.top, "Statement")
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '{':
		d.statements = []json.RawMessage{raw}
	case len(raw) > 0 && raw[0] == '[':
		if err := json.Unmarshal(raw, &d.statements); err != nil {
			return nil, fmt.Errorf("%w: Statement: %v", ErrMalformedPolicy, err)
		}
	default:
		return nil, fmt.Errorf("%w: Statement is neither an object nor an array", ErrMalformedPolicy)
	}
	for i, st := range d.statements {
		if _, err := statementSid(st); err != nil {
			return nil, fmt.Errorf("%w: statement %d: %v", ErrMalformedPolicy, i+1, err)
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
func (d *policyDoc) String() string {
	sts := d.statements
	if sts == nil {
		sts = []json.RawMessage{}
	}
	stmts, err := json.Marshal(sts)
	if err != nil {
		panic(err) // the statements were parsed from JSON
	}
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
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		if k == "Statement" {
			b.Write(stmts)
			continue
		}
		if err := json.Compact(&b, d.top[k]); err != nil {
			panic(err)
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
func (d *policyDoc) find(sid string) json.RawMessage {
	for _, st := range d.statements {
		if s, _ := statementSid(st); s == sid {
			return st
		}
	}
	return nil
}

// withStatement returns policy with the statement whose Sid is sid added, or
// replacing the one(s) with that Sid; every other statement and top-level field
// is kept. statement must carry sid. defaultVersion is used when the policy has
// no Version.
func withStatement(policy, sid string, statement any) (string, error) {
	d, err := parsePolicy(policy)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(statement)
	if err != nil {
		return "", err
	}
	if got, _ := statementSid(b); got != sid {
		return "", fmt.Errorf("statement has Sid %q, not %q", got, sid)
	}
	var kept []json.RawMessage
	placed := false
	for _, st := range d.statements {
		if s, _ := statementSid(st); s == sid {
			if !placed {
				kept = append(kept, b) // replace in place
				placed = true
			}
			continue
		}
		kept = append(kept, st)
	}
	if !placed {
		kept = append(kept, b)
	}
	d.statements = kept
	if _, ok := d.top["Version"]; !ok {
		d.top["Version"] = json.RawMessage(`"2012-10-17"`)
	}
	return d.String(), nil
}

// withoutStatement returns policy without the statements whose Sid is sid,
// and whether there was one. Everything else is kept.
func withoutStatement(policy, sid string) (string, bool, error) {
	d, err := parsePolicy(policy)
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
		return policy, false, nil
	}
	d.statements = kept
	return d.String(), true, nil
}

// HasStatement reports whether policy holds a statement with want's Sid that
// is semantically equal to want.
func HasStatement(policy string, want any) (bool, error) {
	b, err := json.Marshal(want)
	if err != nil {
		return false, err
	}
	sid, err := statementSid(b)
	if err != nil {
		return false, err
	}
	d, err := parsePolicy(policy)
	if err != nil {
		return false, err
	}
	got := d.find(sid)
	if got == nil {
		return false, nil
	}
	return SameJSON(string(got), string(b)), nil
}

// SamePolicy reports whether two policy documents are semantically equal: equal
// after JSON normalisation, where a single statement object equals a one-element
// Statement array, a one-element string array equals the string, and the order
// of values in string arrays (actions, resources, principals, condition values)
// does not matter. Unparsable documents are equal only byte for byte.
func SamePolicy(a, b string) bool {
	na, errA := normalizePolicy(a)
	nb, errB := normalizePolicy(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return na == nb
}

// SameJSON compares two JSON values with the same normalisation as SamePolicy.
func SameJSON(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	return canonical(normalizeValue(va)) == canonical(normalizeValue(vb))
}

// normalizePolicy returns the canonical JSON of a policy document.
func normalizePolicy(s string) (string, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("%w: not a JSON object", ErrMalformedPolicy)
	}
	if st, ok := m["Statement"].(map[string]any); ok {
		m["Statement"] = []any{st}
	}
	if sts, ok := m["Statement"].([]any); ok {
		for i := range sts {
			sts[i] = normalizeValue(sts[i])
		}
		// Statement order does not change a policy's meaning.
		sort.Slice(sts, func(i, j int) bool { return canonical(sts[i]) < canonical(sts[j]) })
	}
	return canonical(m), nil
}

// normalizeValue folds the string-or-array forms IAM treats alike.
func normalizeValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeValue(e)
		}
		return x
	case []any:
		allStrings := true
		for i := range x {
			x[i] = normalizeValue(x[i])
			if _, ok := x[i].(string); !ok {
				allStrings = false
			}
		}
		if allStrings {
			if len(x) == 1 {
				return x[0]
			}
			sort.Slice(x, func(i, j int) bool { return x[i].(string) < x[j].(string) })
		}
		return x
	default:
		return v
	}
}

func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// prettyPolicy renders a policy indented for a diff; unparsable text as is.
func prettyPolicy(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

// policyDiff returns a unified-style line diff of two policies (indented JSON),
// with two lines of context around each change; "" when they are equal.
func policyDiff(before, after string) string {
	return lineDiff(prettyPolicy(before), prettyPolicy(after), 2)
}

// lineDiff is a small LCS line diff. Policies are short, so O(n·m) is fine.
func lineDiff(a, b string, context int) string {
	if a == b {
		return ""
	}
	al, bl := splitLines(a), splitLines(b)
	n, m := len(al), len(bl)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var lines []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && al[i] == bl[j]:
			lines = append(lines, line{' ', al[i]})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			lines = append(lines, line{'+', bl[j]})
			j++
		default:
			lines = append(lines, line{'-', al[i]})
			i++
		}
	}
	show := make([]bool, len(lines))
	for k, l := range lines {
		if l.op != ' ' {
			for c := max(0, k-context); c <= min(len(lines)-1, k+context); c++ {
				show[c] = true
			}
		}
	}
	var out strings.Builder
	gap := false
	for k, l := range lines {
		if !show[k] {
			gap = true
			continue
		}
		if gap && out.Len() > 0 {
			out.WriteString("  ...\n")
		}
		gap = false
		out.WriteByte(l.op)
		out.WriteByte(' ')
		out.WriteString(l.text)
		out.WriteByte('\n')
	}
	return out.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// stringList reads an IAM string-or-array field.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// principalHasService reports whether a statement's Principal names service.
func principalHasService(p any, service string) bool {
	m, ok := p.(map[string]any)
	if !ok {
		return false
	}
	for _, s := range stringList(m["Service"]) {
		if s == service {
			return true
		}
	}
	return false
}

// globMatch matches s against an IAM action pattern with * and ?.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	default:
		return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
	}
}
