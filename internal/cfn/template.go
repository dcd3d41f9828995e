package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Template is a CloudFormation template. Its JSON is deterministic: maps are
// written with sorted keys, and event patterns are embedded as their bytes.
type Template struct {
	FormatVersion string               `json:"AWSTemplateFormatVersion"`
	Description   string               `json:"Description"`
	Parameters    map[string]Parameter `json:"Parameters,omitempty"`
	Conditions    map[string]any       `json:"Conditions,omitempty"`
	Resources     map[string]Resource  `json:"Resources"`
	Outputs       map[string]Output    `json:"Outputs,omitempty"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type           string   `json:"Type"`
	Description    string   `json:"Description"`
	AllowedPattern string   `json:"AllowedPattern,omitempty"`
	AllowedValues  []string `json:"AllowedValues,omitempty"`
	Default        *string  `json:"Default,omitempty"`
}

// Resource is one resource of a template.
type Resource struct {
	Type       string         `json:"Type"`
	Condition  string         `json:"Condition,omitempty"`
	Properties map[string]any `json:"Properties"`
}

// Output is a stack output.
type Output struct {
	Description string `json:"Description"`
	Value       any    `json:"Value"`
}

// MaxTemplateBody is the largest template CloudFormation takes inline (the
// TemplateBody of CreateStack and CreateChangeSet, and what `aws cloudformation
// deploy` accepts without an S3 bucket).
const MaxTemplateBody = 51200

// JSON returns the template as JSON ending with a newline, for review: one
// property per line, each value below (an event pattern, a policy, a target)
// compact on its line; or all compact when that would exceed MaxTemplateBody.
func (t Template) JSON() []byte {
	compact := encodeJSON(t, "")
	if b := indentTo(compact, propertyDepth); len(b) <= MaxTemplateBody {
		return b
	}
	return compact
}

// propertyDepth is the nesting of a resource's property values: template {
// Resources { ID { Properties { value.
const propertyDepth = 4

// indentTo indents compact JSON with tabs down to maxDepth levels of nesting
// and leaves what is nested deeper compact.
func indentTo(compact []byte, maxDepth int) []byte {
	var b bytes.Buffer
	depth := 0
	inString, escaped := false, false
	newline := func(d int) {
		b.WriteByte('\n')
		for range d {
			b.WriteByte('\t')
		}
	}
	for i, c := range compact {
		if inString {
			b.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			b.WriteByte(c)
		case '{', '[':
			b.WriteByte(c)
			depth++
			if depth <= maxDepth && i+1 < len(compact) && compact[i+1] != '}' && compact[i+1] != ']' {
				newline(depth)
			}
		case '}', ']':
			if depth <= maxDepth && i > 0 && compact[i-1] != '{' && compact[i-1] != '[' {
				newline(depth - 1)
			}
			depth--
			b.WriteByte(c)
		case ',':
			b.WriteByte(c)
			if depth <= maxDepth {
				newline(depth)
			}
		case ':':
			b.WriteByte(c)
			if depth <= maxDepth {
				b.WriteByte(' ')
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.Bytes()
}

// LogicalIDs returns the template's logical resource IDs, sorted.
func (t Template) LogicalIDs() []string {
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func indentJSON(v any) []byte { return encodeJSON(v, "  ") }

func encodeJSON(v any, indent string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("cfn: encode template: %v", err)) // only plain values and RawMessages from the rule pack
	}
	return buf.Bytes()
}

// Intrinsic functions.
func ref(id string) any          { return map[string]any{"Ref": id} }
func getAtt(id, attr string) any { return map[string]any{"Fn::GetAtt": []string{id, attr}} }
func sub(s string) any           { return map[string]any{"Fn::Sub": s} }
func tagList(tags map[string]string) []map[string]string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]string{"Key": k, "Value": tags[k]})
	}
	return out
}

// Placeholders stand for the values a template learns only where it is
// deployed. The spec is computed with them in place of the account, the
// partition and the regions, so every name and ARN in it is the one deploy
// would use, written as a Fn::Sub string.
const (
	phAccount   = "${AWS::AccountId}"
	phPartition = "${AWS::Partition}"
	phRegion    = "${AWS::Region}"
	phHome      = "${" + ParamHomeRegion + "}"
	phCentral   = "${" + ParamCentralAccount + "}"
	phOrgID     = "${" + ParamOrganizationID + "}"
)

var placeholders = []string{phAccount, phPartition, phRegion, phHome, phCentral, phOrgID}

// value is how a string of the spec is written into a template: the
// reference to the template's own resource when it names one (so that
// CloudFormation orders creation), a Fn::Sub when it holds a placeholder, or
// the string itself.
type refs map[string]any

func (r refs) value(s string) any {
	if v, ok := r[s]; ok {
		return v
	}
	if !strings.Contains(s, "${") {
		return s
	}
	// Any "${" that is not one of ours is written literally ("${!").
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "${") {
			ours := false
			for _, p := range placeholders {
				if strings.HasPrefix(s[i:], p) {
					b.WriteString(p)
					i += len(p)
					ours = true
					break
				}
			}
			if !ours {
				b.WriteString("${!")
				i += 2
			}
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return sub(b.String())
}

// policy turns a policy document of the spec into the object a template
// holds, with every string that carries a placeholder as a Fn::Sub.
func (r refs) policy(doc string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("parse policy %s: %w", doc, err)
	}
	return r.walk(v), nil
}

func (r refs) walk(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.walk(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.walk(e)
		}
		return out
	case string:
		if strings.Contains(x, "${") {
			return refs(nil).value(x)
		}
		return x
	}
	return v
}
