// Package transform applies EventBridge input transformers: it renders an event
// into the text a rule's target receives, from an InputPathsMap and an
// InputTemplate. The rule pack renders its alert messages with it (what an
// e-mail subscriber reads), and the in-memory fake delivers with it, so both
// speak with one voice.
//
// Semantics, as the EventBridge user guide documents them
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html):
// inside a quoted string of the template, and in a template that is not JSON,
// values go in as text: strings as they are (not escaped), numbers and booleans
// as written, null as "null", objects and arrays as their JSON without quotes,
// and a path that matches nothing as "". Elsewhere in a JSON template values go
// in as JSON (a missing one as null). Placeholders that name nothing stay as
// they are. Paths are "$", then .name or ['name'] members and [n] indexes.
package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// missing stands for a path that matches nothing in the event.
type missing struct{}

// Vars are the predefined variables EventBridge supplies to every transformer.
type Vars struct {
	RuleARN  string // <aws.events.rule-arn>
	RuleName string // <aws.events.rule-name>
	// IngestionTime is <aws.events.event.ingestion-time>; "" means the
	// event's own time field.
	IngestionTime string
}

// Apply renders event through an input transformer (InputPathsMap paths and
// InputTemplate template) as EventBridge does: each <name> whose name is a key
// of paths (or a predefined aws.events.* variable) is replaced by the value at
// that path. Inside a quoted string of the template, and in a
// template that is not JSON, values go in as text: strings as they are (not
// escaped), numbers and booleans as written, null as "null", objects and arrays
// as their JSON without quotes, a path that matches nothing as "". Elsewhere in
// a JSON template values go in as JSON (a missing one as null). Placeholders
// that name nothing stay as they are.
//
// EventBridge does not escape the values it inserts; neither does Apply, so
// an event field holding a double quote yields what AWS would send.
func Apply(paths map[string]string, template string, event []byte, v Vars) (string, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber() // numbers go into the message as they were written
	if err := dec.Decode(&doc); err != nil {
		return "", fmt.Errorf("input transformer: event: %w", err)
	}
	values := map[string]any{}
	for name, path := range paths {
		v, ok, err := jsonPath(doc, path)
		if err != nil {
			return "", fmt.Errorf("input transformer: path %q of <%s>: %w", path, name, err)
		}
		if ok {
			values[name] = v
		} else {
			values[name] = missing{}
		}
	}
	ingestion := v.IngestionTime
	if m, ok := doc.(map[string]any); ok && ingestion == "" {
		ingestion, _ = m["time"].(string)
	}
	values["aws.events.rule-arn"] = v.RuleARN
	values["aws.events.rule-name"] = v.RuleName
	values["aws.events.event.ingestion-time"] = ingestion
	values["aws.events.event"] = json.RawMessage(event)
	values["aws.events.event.json"] = json.RawMessage(event)

	tpl := template
	jsonTemplate := strings.HasPrefix(strings.TrimSpace(tpl), "{") || strings.HasPrefix(strings.TrimSpace(tpl), "[") || strings.HasPrefix(strings.TrimSpace(tpl), `"`)
	var out strings.Builder
	inString := false
	for i := 0; i < len(tpl); i++ {
		c := tpl[i]
		switch {
		case c == '\\' && inString && i+1 < len(tpl):
			out.WriteByte(c)
			out.WriteByte(tpl[i+1])
			i++
			continue
		case c == '"':
			inString = !inString
		case c == '<':
			end := strings.IndexByte(tpl[i+1:], '>')
			if end >= 0 {
				name := tpl[i+1 : i+1+end]
				if v, ok := values[name]; ok {
					out.WriteString(formatValue(v, jsonTemplate, inString))
					i += end + 1
					continue
				}
			}
		}
		out.WriteByte(c)
	}
	return out.String(), nil
}

func formatValue(v any, jsonTemplate, inString bool) string {
	if jsonTemplate && !inString {
		switch v := v.(type) {
		case missing:
			return "null"
		case json.RawMessage:
			return string(v)
		}
		return encode(v)
	}
	switch v := v.(type) {
	case missing:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	case json.RawMessage:
		return strings.ReplaceAll(string(v), `"`, "")
	}
	return strings.ReplaceAll(encode(v), `"`, "")
}

// encode writes v as compact JSON without HTML escaping.
func encode(v any) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v) // decoded JSON always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonPath evaluates the JSON paths EventBridge input transformers accept:
// "$", then .name or ['name'] members and [n] array indexes.
func jsonPath(doc any, path string) (any, bool, error) {
	if !strings.HasPrefix(path, "$") {
		return nil, false, fmt.Errorf("a JSON path starts with $")
	}
	p := path[1:]
	cur := doc
	for p != "" {
		switch {
		case p[0] == '.':
			p = p[1:]
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			name := p[:end]
			p = p[end:]
			if name == "" {
				return nil, false, fmt.Errorf("empty member name")
			}
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false, nil
			}
			if cur, ok = m[name]; !ok {
				return nil, false, nil
			}
		case strings.HasPrefix(p, "['"):
			end := strings.Index(p[2:], "']")
			if end < 0 {
				return nil, false, fmt.Errorf("unterminated ['")
			}
			name := p[2 : 2+end]
			p = p[2+end+2:]
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false, nil
			}
			if cur, ok = m[name]; !ok {
				return nil, false, nil
			}
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, false, fmt.Errorf("unterminated [")
			}
			n, err := strconv.Atoi(p[1:end])
			if err != nil || n < 0 {
				return nil, false, fmt.Errorf("bad index %q", p[1:end])
			}
			p = p[end+1:]
			arr, ok := cur.([]any)
			if !ok || n >= len(arr) {
				return nil, false, nil
			}
			cur = arr[n]
		default:
			return nil, false, fmt.Errorf("unexpected %q", p)
		}
	}
	return cur, true, nil
}
