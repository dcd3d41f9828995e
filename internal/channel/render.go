package channel

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/rules"
	"github.com/rootwatch/rootwatch/internal/transform"
)

// Field is an event field an alert may show: one of the rule pack's safe
// fields (rules.SafeFields: values AWS sets, in shapes an actor cannot choose),
// with how channels present it.
type Field struct {
	Key   string // the placeholder and the webhook JSON key
	Label string // what Slack and Teams show
	Path  string // the JSON path in the EventBridge event
	// Always is true for fields every event a rule matches has, as a string:
	// EventBridge's envelope and the fields CloudTrail puts in every record.
	Always bool
}

// presentation is how channels show the safe fields they know, in the order
// alerts show them. A safe field missing here is shown after these, under its
// last path element and description.
var presentation = []Field{
	{Key: "account", Label: "Account", Path: "$.account", Always: true},
	{Key: "region", Label: "Region", Path: "$.region", Always: true},
	{Key: "time", Label: "Time", Path: "$.time", Always: true},
	{Key: "event", Label: "Event", Path: "$.detail.eventName", Always: true},
	{Key: "eventSource", Label: "Event source", Path: "$.detail.eventSource", Always: true},
	{Key: "sourceIP", Label: "Source IP", Path: "$.detail.sourceIPAddress", Always: true},
	{Key: "mfa", Label: "MFA", Path: "$.detail.additionalEventData.MFAUsed"},
	{Key: "mfa", Label: "MFA", Path: "$.detail.userIdentity.sessionContext.attributes.mfaAuthenticated"},
	{Key: "result", Label: "Result", Path: "$.detail.responseElements.ConsoleLogin"},
	{Key: "result", Label: "Result", Path: "$.detail.responseElements.PasswordUpdated"},
	{Key: "result", Label: "Result", Path: "$.detail.responseElements.EmailUpdated"},
	{Key: "recoveryRequested", Label: "Recovery requested", Path: "$.detail.responseElements.PasswordRecoveryRequested"},
	{Key: "recoveryCompleted", Label: "Recovery completed", Path: "$.detail.responseElements.PasswordRecoveryCompleted"},
	{Key: "error", Label: "Error code", Path: "$.detail.errorCode"},
	{Key: "eventID", Label: "Event ID", Path: "$.detail.eventID", Always: true},
	{Key: "id", Label: "EventBridge ID", Path: "$.id", Always: true},
}

// Fields is the allow-list channels render from: exactly the rule pack's safe
// fields (rules.SafeFields), presented as presentation says. Optional fields
// (Always false) are shown for a rule only when its message refers to them.
var Fields = allowed()

func allowed() []Field {
	var out []Field
	for _, f := range presentation {
		if rules.IsSafeField(f.Path) {
			out = append(out, f)
		}
	}
	for _, sf := range rules.SafeFields() {
		if slices.ContainsFunc(out, func(f Field) bool { return f.Path == sf.Path }) {
			continue
		}
		key := sf.Path[strings.LastIndexByte(sf.Path, '.')+1:]
		out = append(out, Field{Key: key, Label: sf.What, Path: sf.Path})
	}
	return out
}

// FieldsFor returns the fields an alert of rule r shows: every Always field,
// and the optional ones r's message refers to, in the order of Fields.
func FieldsFor(r rules.Rule) []Field {
	used := map[string]bool{}
	for _, p := range r.Message.Paths {
		used[p] = true
	}
	var out []Field
	seen := map[string]bool{}
	for _, f := range Fields {
		if (f.Always || used[f.Path]) && !seen[f.Key] {
			seen[f.Key] = true
			out = append(out, f)
		}
	}
	return out
}

// Transformer is an EventBridge input transformer: what deploy puts on the
// target and what status expects to find there.
type Transformer struct {
	Paths    map[string]string
	Template string
}

// Transformer renders the channel's native request body for alerts of rule r.
//
// Every value from the event goes into the template outside quotes, where
// EventBridge inserts it as JSON (a string with its quotes and escapes, null
// for a missing field), so the body is valid JSON whatever the event holds.
// Constant text (the rule's title and severity) is encoded here. Slack and
// Teams need strings where they show a value, so they show only the fields
// that are strings in every event the rule matches: the Always fields and the
// optional ones the rule's pattern requires to be strings. PagerDuty's
// custom_details and the webhook's object show every field (null when the
// event has none).
func (c Channel) Transformer(r rules.Rule) (Transformer, error) {
	fields := FieldsFor(r)
	if c.kind == Slack || c.kind == Teams {
		fields = shown(r, fields)
	}
	t := Transformer{Paths: map[string]string{}}
	for _, f := range fields {
		t.Paths[f.Key] = f.Path
	}
	var body any
	switch c.kind {
	case Slack:
		body = slackBody(r, fields)
	case Teams:
		body = teamsBody(r, fields)
	case PagerDuty:
		body = pagerDutyBody(r, fields)
	case Webhook:
		body = webhookBody(r, fields)
	default:
		return Transformer{}, fmt.Errorf("render %s alert for %s: unknown kind", c.kind, r.ID)
	}
	tpl, err := template(body)
	if err != nil {
		return Transformer{}, fmt.Errorf("render %s alert for %s: %w", c.kind, r.ID, err)
	}
	t.Template = tpl
	if len(t.Template) > rules.MaxTemplateLen {
		return Transformer{}, fmt.Errorf("render %s alert for %s: template of %d characters, more than EventBridge's %d", c.kind, r.ID, len(t.Template), rules.MaxTemplateLen)
	}
	return t, nil
}

// TransformerFor is Transformer for a channel of kind k: the transformer
// depends on the kind and the rule only, so status can compute what a deployed
// channel's targets should hold without its secret.
func TransformerFor(k Kind, r rules.Rule) (Transformer, error) {
	return Channel{kind: k}.Transformer(r)
}

// Render returns the body EventBridge sends for event through the channel's
// transformer for rule r (before the connection adds its body parameters).
func (c Channel) Render(r rules.Rule, event []byte) (string, error) {
	t, err := c.Transformer(r)
	if err != nil {
		return "", err
	}
	out, err := transform.Apply(t.Paths, t.Template, event, transform.Vars{})
	if err != nil {
		return "", fmt.Errorf("render %s alert for %s: %w", c.kind, r.ID, err)
	}
	return out, nil
}

// placeholder marks where a field's value goes in a body before it becomes a
// template: the body is built as Go values, encoded, then each marker string
// (quotes included) is replaced by the bare <key>.
type placeholder string

const marker = "\u0000rootwatch:"

func (p placeholder) MarshalJSON() ([]byte, error) {
	return json.Marshal(marker + string(p))
}

// template encodes body as JSON and turns its placeholders into the bare
// <key>s EventBridge replaces with JSON values. The encoding escapes '<' and
// '>' in constant text (as \u003c, \u003e), so no constant can ever be taken
// for a placeholder.
func template(body any) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	s := string(b)
	const esc = `"\u0000rootwatch:`
	var out strings.Builder
	for {
		i := strings.Index(s, esc)
		if i < 0 {
			out.WriteString(s)
			break
		}
		out.WriteString(s[:i])
		rest := s[i+len(esc):]
		j := strings.IndexByte(rest, '"')
		out.WriteString("<" + rest[:j] + ">")
		s = rest[j+1:]
	}
	return out.String(), nil
}

// shown returns the fields Slack and Teams can show for r: those that are
// strings in every event r matches.
func shown(r rules.Rule, fields []Field) []Field {
	var out []Field
	for _, f := range fields {
		if f.Always || RequiresString(r.Pattern, f.Path) {
			out = append(out, f)
		}
	}
	return out
}

// RequiresString reports whether pattern matches only events in which the
// field at path (a "$.a.b" path) is a string: the pattern names it, outside
// any $or, with a list whose every element matches strings only (a string,
// or a prefix, suffix, equals-ignore-case or wildcard filter).
func RequiresString(pattern, path string) bool {
	var p map[string]any
	if err := json.Unmarshal([]byte(pattern), &p); err != nil {
		return false
	}
	keys := strings.Split(strings.TrimPrefix(path, "$."), ".")
	var cur any = p
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok {
			return false
		}
	}
	list, ok := cur.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, v := range list {
		switch v := v.(type) {
		case string:
		case map[string]any:
			if len(v) != 1 {
				return false
			}
			for op := range v {
				if !slices.Contains([]string{"prefix", "suffix", "equals-ignore-case", "wildcard"}, op) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// severityEmoji leads the Slack header, so the severity shows at a glance.
var severityEmoji = map[rules.Severity]string{
	rules.Critical: ":rotating_light:",
	rules.High:     ":warning:",
	rules.Medium:   ":large_orange_diamond:",
	rules.Low:      ":information_source:",
}

func headline(r rules.Rule) string {
	return fmt.Sprintf("rootwatch %s: %s", r.Severity, r.Title)
}

// slackBody is an incoming-webhook message: a text (the notification's
// fallback) and blocks: a header, sections of label/value fields (ten fields,
// five pairs, per section as Slack allows), and a context line. Values are
// plain_text, so Slack renders no markup or links from them.
func slackBody(r rules.Rule, fields []Field) any {
	type text struct {
		Type string `json:"type"`
		Text any    `json:"text"`
	}
	type block struct {
		Type     string `json:"type"`
		Text     *text  `json:"text,omitempty"`
		Fields   []text `json:"fields,omitempty"`
		Elements []text `json:"elements,omitempty"`
	}
	blocks := []block{{Type: "header", Text: &text{Type: "plain_text", Text: strings.TrimSpace(severityEmoji[r.Severity] + " " + r.Title)}}}
	for chunk := range slices.Chunk(fields, 5) {
		b := block{Type: "section"}
		for _, f := range chunk {
			b.Fields = append(b.Fields, text{Type: "mrkdwn", Text: "*" + f.Label + "*"}, text{Type: "plain_text", Text: placeholder(f.Key)})
		}
		blocks = append(blocks, b)
	}
	blocks = append(blocks, block{Type: "context", Elements: []text{{Type: "mrkdwn", Text: fmt.Sprintf("rootwatch rule `%s`, severity %s. Look the event up in CloudTrail by its event ID.", r.ID, r.Severity)}}})
	return struct {
		Text   string  `json:"text"`
		Blocks []block `json:"blocks"`
	}{headline(r), blocks}
}

// teamsBody is a message with one Adaptive Card attachment, as a Teams
// Workflows webhook ("When a Teams webhook request is received" → "Post card in
// a chat or channel") takes it.
func teamsBody(r rules.Rule, fields []Field) any {
	type fact struct {
		Title string `json:"title"`
		Value any    `json:"value"`
	}
	type element struct {
		Type   string `json:"type"`
		Text   string `json:"text,omitempty"`
		Weight string `json:"weight,omitempty"`
		Size   string `json:"size,omitempty"`
		Color  string `json:"color,omitempty"`
		Wrap   bool   `json:"wrap,omitempty"`
		Facts  []fact `json:"facts,omitempty"`
	}
	color := "Warning"
	if r.Severity == rules.Critical || r.Severity == rules.High {
		color = "Attention"
	}
	var facts []fact
	for _, f := range fields {
		facts = append(facts, fact{Title: f.Label, Value: placeholder(f.Key)})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body": []element{
			{Type: "TextBlock", Text: headline(r), Weight: "Bolder", Size: "Medium", Color: color, Wrap: true},
			{Type: "FactSet", Facts: facts},
			{Type: "TextBlock", Text: "rootwatch rule " + r.ID + ". Look the event up in CloudTrail by its event ID.", Size: "Small", Wrap: true},
		},
	}
	return map[string]any{
		"type": "message",
		"attachments": []map[string]any{{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// PagerDutySeverity maps a rule's severity to the Events API v2's.
func PagerDutySeverity(s rules.Severity) string {
	switch s {
	case rules.Critical:
		return "critical"
	case rules.High:
		return "error"
	case rules.Medium:
		return "warning"
	}
	return "info"
}

// pagerDutyBody is an Events API v2 trigger. The routing key is not in it: the
// connection adds it. The dedup key is CloudTrail's event ID, so the same event
// delivered twice (EventBridge delivers at least once) opens one incident.
func pagerDutyBody(r rules.Rule, fields []Field) any {
	details := map[string]any{"kind": r.ID}
	for _, f := range fields {
		details[f.Key] = placeholder(f.Key)
	}
	return map[string]any{
		"event_action": "trigger",
		"dedup_key":    placeholder("eventID"),
		"client":       "rootwatch",
		"payload": map[string]any{
			"summary":        headline(r),
			"source":         placeholder("account"),
			"severity":       PagerDutySeverity(r.Severity),
			"timestamp":      placeholder("time"),
			"component":      "root user",
			"class":          r.ID,
			"custom_details": details,
		},
	}
}

// webhookBody is the generic webhook's JSON object: schema "rootwatch.alert/1",
// the rule's kind, title and severity, and every field under its key (the
// same names as scan --output json where they exist).
func webhookBody(r rules.Rule, fields []Field) any {
	m := map[string]any{
		"schema":   "rootwatch.alert/1",
		"kind":     r.ID,
		"title":    r.Title,
		"severity": string(r.Severity),
	}
	for _, f := range fields {
		m[f.Key] = placeholder(f.Key)
	}
	return m
}
