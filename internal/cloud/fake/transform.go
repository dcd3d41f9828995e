package fake

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// renderInput applies an input transformer to an event as EventBridge does:
// each <name> of the template whose name is a key of Paths (or one of the
// predefined aws.events.* variables) is replaced by the value at that path.
// Inside a quoted string of a JSON template a string value goes in without its
// quotes (escaped); elsewhere in a JSON template values go in as JSON. In a
// template that is not JSON (does not start with '{', '[' or '"') values go in
// as text. A path that matches nothing gives "" in text and null in JSON.
// Placeholders that name nothing stay as they are.
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
			values[name] = nil
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
	if raw, ok := v.(json.RawMessage); ok {
		if jsonTemplate && inString {
			b, _ := json.Marshal(string(raw))
			return string(b[1 : len(b)-1])
		}
		return string(raw)
	}
	if s, ok := v.(string); ok {
		switch {
		case !jsonTemplate:
			return s
		case inString:
			b, _ := json.Marshal(s)
			return string(b[1 : len(b)-1])
		default:
			b, _ := json.Marshal(s)
			return string(b)
		}
	}
	if v == nil {
		if !jsonTemplate || inString {
			return ""
		}
		return "null"
	}
	b, _ := json.Marshal(v)
	if jsonTemplate && inString {
		q, _ := json.Marshal(string(b))
		return string(q[1 : len(q)-1])
	}
	return string(b)
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
