package fake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// missing stands for a path that matches nothing in the event.
type missing struct{}

// renderInput applies an input transformer to an event as EventBridge does,
// with the semantics internal/rules.Render documents for the rule pack's string
// templates (TestRenderMatchesRulePack keeps the two in step): each <name> whose
// name is a key of Paths (or a predefined aws.events.* variable) is replaced by
// the value at that path. Inside a quoted string of the template, and in a
// template that is not JSON, values go in as text: strings as they are (not
// escaped), numbers and booleans as written, null as "null", objects and arrays
// as their JSON without quotes, a path that matches nothing as "". Elsewhere in
// a JSON template values go in as JSON (a missing one as null). Placeholders
// that name nothing stay as they are.
func renderInput(in *cloud.InputTransformer, event string, r cloud.Rule) (string, error) {
	var doc any
	dec := json.NewDecoder(strings.NewReader(event))
	dec.UseNumber() // numbers go into the message as they were written
	if err := dec.Decode(&doc); err != nil {
		return "", err
	}
	values := map[string]any{}
	for name, path := range in.Paths {
		v, ok, err := jsonPath(doc, path)
		if err != nil {
			return "", fmt.Errorf("path %q of %s: %w", path, name, err)
		}
		if ok {
			values[name] = v
		} else {
			values[name] = missing{}
		}
	}
	var ingestion string
	if m, ok := doc.(map[string]any); ok {
		ingestion, _ = m["time"].(string)
	}
	values["aws.events.rule-arn"] = r.ARN
	values["aws.events.rule-name"] = r.Name
	values["aws.events.event.ingestion-time"] = ingestion
	values["aws.events.event"] = json.RawMessage(event)
	values["aws.events.event.json"] = json.RawMessage(event)

	tpl := in.Template
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
