package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Render returns what EventBridge's input transformer delivers to the rule's
// target for event, which is what an e-mail subscriber of the SNS topic reads.
//
// The pack's templates are string templates (a quoted JSON string), and Render
// implements AWS's documented semantics for them
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html):
//   - each <name> is replaced by the value at its InputPathsMap JSON path
//     ($.a.b, with [n] array indices);
//   - a string value is inserted as it is: EventBridge does not escape the
//     values it extracts;
//   - numbers, booleans and null are inserted as their JSON text;
//   - an object or array is inserted as its JSON with the quotes removed;
//   - a path that does not exist in the event yields nothing;
//   - the surrounding double quotes stay: SNS delivers the rendered template as
//     it is, quotes included.
//
// Placeholders with no InputPathsMap entry are left as they are.
func Render(r Rule, event []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(event))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return "", fmt.Errorf("render %s: event: %w", r.ID, err)
	}
	values := make(map[string]string, len(r.Message.Paths))
	for name, p := range r.Message.Paths {
		v, ok, err := lookup(doc, p)
		if err != nil {
			return "", fmt.Errorf("render %s: placeholder %s: %w", r.ID, name, err)
		}
		if ok {
			values[name] = stringForm(v)
		} else {
			values[name] = ""
		}
	}
	t := r.Message.Template
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '<')
		if i < 0 {
			b.WriteString(t)
			break
		}
		j := strings.IndexByte(t[i+1:], '>')
		if j < 0 {
			b.WriteString(t)
			break
		}
		name := t[i+1 : i+1+j]
		b.WriteString(t[:i])
		if v, ok := values[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(t[i : i+2+j])
		}
		t = t[i+2+j:]
	}
	return b.String(), nil
}

// lookup resolves a JSON path in EventBridge's subset of the syntax: "$",
// then .name segments (letters, digits, '-', '_') and [n] indices.
func lookup(doc any, p string) (any, bool, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, false, fmt.Errorf("path %q does not start with $", p)
	}
	rest := p[1:]
	cur := doc
	for rest != "" {
		switch rest[0] {
		case '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			key := rest[1 : 1+end]
			if key == "" {
				return nil, false, fmt.Errorf("path %q has an empty segment", p)
			}
			rest = rest[1+end:]
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false, nil
			}
			if cur, ok = m[key]; !ok {
				return nil, false, nil
			}
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, false, fmt.Errorf("path %q has an unclosed [", p)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, false, fmt.Errorf("path %q has a bad index", p)
			}
			rest = rest[end+1:]
			a, ok := cur.([]any)
			if !ok || n >= len(a) {
				return nil, false, nil
			}
			cur = a[n]
		default:
			return nil, false, fmt.Errorf("path %q: unexpected %q", p, rest[0])
		}
	}
	return cur, true, nil
}

func stringForm(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	default:
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		_ = e.Encode(v) // decoded JSON always encodes
		return strings.ReplaceAll(strings.TrimSuffix(b.String(), "\n"), `"`, "")
	}
}
