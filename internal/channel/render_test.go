package channel_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/golden"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// hostile are values an event's fields are given, as raw JSON: everything
// that could break a template that quoted values or trusted their type.
var hostile = []string{
	`"\""`,
	`"\\"`,
	`"\\\""`,
	`"\"},\"x\":{\"y\":\""`,
	`"<account> <aws.events.event.json> ${x} {{x}}"`,
	`"line\nbreak\ttab\rreturn"`,
	`"\u0000\u001f\u007f"`,
	`"\u2028\u2029 \ud83d\udea8 é"`,
	`"*bold* _i_ <https://evil.example|click> @channel <!here>"`,
	`"` + strings.Repeat("x", 5000) + `"`,
	`""`,
	`1e400`,
	`-0`,
	`true`,
	`null`,
	`{}`,
	`{"\"":"\\","a":[1,{"b":null}]}`,
	`[]`,
	`["\"",1,null]`,
}

// setPath sets the value at a "$.a.b" path of a decoded event to raw JSON
// (nil deletes it), creating objects on the way.
func setPath(ev map[string]any, path string, raw json.RawMessage) {
	keys := strings.Split(strings.TrimPrefix(path, "$."), ".")
	m := ev
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	if raw == nil {
		delete(m, keys[len(keys)-1])
		return
	}
	m[keys[len(keys)-1]] = raw
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var ev map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestHostileValues renders every rule's alert through every channel with a
// hostile value (and with nothing) in every field the transformer refers to,
// and parses every body: an API destination does not retry a 400, so a body
// that is not JSON would be an alert lost.
func TestHostileValues(t *testing.T) {
	n := 0
	for _, c := range all(t) {
		for _, r := range rules.All() {
			tr, err := c.Transformer(r)
			if err != nil {
				t.Fatal(err)
			}
			pos, _ := rules.Fixtures(r.ID)
			base := pos[0].Event
			cases := append(slices.Clone(hostile), "") // "" deletes the fields
			for _, v := range cases {
				ev := decode(t, base)
				for _, path := range tr.Paths {
					if v == "" {
						setPath(ev, path, nil)
					} else {
						setPath(ev, path, json.RawMessage(v))
					}
				}
				event, err := json.Marshal(ev)
				if err != nil {
					t.Fatal(err)
				}
				body, err := c.Render(r, event)
				if err != nil {
					t.Fatalf("%s %s: %v", c.Kind(), r.ID, err)
				}
				n++
				if !json.Valid([]byte(body)) {
					t.Errorf("%s alert for %s with every field %.60s: body is not JSON:\n%.400s", c.Kind(), r.ID, v, body)
				}
			}
		}
	}
	if want := 4 * len(rules.All()) * (len(hostile) + 1); n != want {
		t.Errorf("rendered %d bodies, want %d", n, want)
	}
}

// TestTemplatesQuoteNothing: no placeholder of a channel's template is inside
// a JSON string, where EventBridge would insert the value unescaped.
func TestTemplatesQuoteNothing(t *testing.T) {
	for _, c := range all(t) {
		for _, r := range rules.All() {
			tr, err := c.Transformer(r)
			if err != nil {
				t.Fatal(err)
			}
			in := false
			for i := 0; i < len(tr.Template); i++ {
				switch ch := tr.Template[i]; {
				case ch == '\\' && in:
					i++
				case ch == '"':
					in = !in
				case ch == '<' && in:
					t.Errorf("%s %s: '<' inside a string at %d: %.80s", c.Kind(), r.ID, i, tr.Template[i:])
				}
			}
			for key, path := range tr.Paths {
				if !slices.ContainsFunc(channel.Fields, func(f channel.Field) bool { return f.Key == key && f.Path == path }) {
					t.Errorf("%s %s: path %s=%s is not in the allow-list", c.Kind(), r.ID, key, path)
				}
				if !strings.Contains(tr.Template, "<"+key+">") {
					t.Errorf("%s %s: path %s is not used by the template", c.Kind(), r.ID, key)
				}
			}
			if len(tr.Paths) > rules.MaxInputPaths {
				t.Errorf("%s %s: %d input paths", c.Kind(), r.ID, len(tr.Paths))
			}
		}
	}
}

// TestShapes renders every rule's positive fixtures through every channel and
// checks each body against the service's documented request shape.
func TestShapes(t *testing.T) {
	checks := map[channel.Kind]func(body map[string]any, r rules.Rule) error{
		channel.Slack:     slackShape,
		channel.Teams:     teamsShape,
		channel.PagerDuty: pagerDutyShape,
		channel.Webhook:   webhookShape,
	}
	for _, c := range all(t) {
		for _, r := range rules.All() {
			pos, _ := rules.Fixtures(r.ID)
			for _, fx := range pos {
				out, err := c.Render(r, complete(t, fx.Event))
				if err != nil {
					t.Fatal(err)
				}
				var body map[string]any
				if err := json.Unmarshal([]byte(out), &body); err != nil {
					t.Fatalf("%s %s %s: %v", c.Kind(), r.ID, fx.Name, err)
				}
				if err := checks[c.Kind()](body, r); err != nil {
					t.Errorf("%s alert for %s (fixture %s): %v\n%s", c.Kind(), r.ID, fx.Name, err, out)
				}
			}
		}
	}
}

// complete fills in the fields every real event has (channel.Fields marked
// Always) where a sanitised fixture dropped or redacted them: the shapes are
// checked for events as EventBridge delivers them.
func complete(t *testing.T, event []byte) []byte {
	t.Helper()
	ev := decode(t, event)
	filler := map[string]string{
		"$.account": "111122223333", "$.region": "us-east-1", "$.time": "2026-10-14T09:10:02Z",
		"$.detail.eventName": "ConsoleLogin", "$.detail.eventSource": "signin.amazonaws.com",
		"$.detail.sourceIPAddress": "198.51.100.7", "$.detail.eventID": "3b5a1d8e-55c2-4f5e-9d1a-2f7f0c9f0a11",
		"$.id": "0d7c4a55-6a9e-4f38-8a8e-1c6f3b5f2e10",
	}
	for _, f := range channel.Fields {
		if !f.Always {
			continue
		}
		v, _ := lookup(ev, f.Path).(string)
		if v == "" || v == "redacted" || f.Path == "$.time" && !isTime(v) {
			raw, _ := json.Marshal(filler[f.Path])
			setPath(ev, f.Path, raw)
		}
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func isTime(s string) bool { _, err := time.Parse(time.RFC3339, s); return err == nil }

func lookup(ev map[string]any, path string) any {
	var cur any = ev
	for _, k := range strings.Split(strings.TrimPrefix(path, "$."), ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// TestGolden pins each channel's body for a root console sign-in without MFA,
// and its template.
func TestGolden(t *testing.T) {
	r, ok := rules.Get("root-console-signin-no-mfa")
	if !ok {
		t.Fatal("no rule root-console-signin-no-mfa")
	}
	pos, _ := rules.Fixtures(r.ID)
	for _, c := range all(t) {
		out, err := c.Render(r, pos[0].Event)
		if err != nil {
			t.Fatal(err)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, []byte(out), "", "  "); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "testdata/"+string(c.Kind())+".json", append(pretty.Bytes(), '\n'))
		tr, _ := c.Transformer(r)
		golden.Check(t, "testdata/"+string(c.Kind())+".template", []byte(tr.Template+"\n"))
	}
}

func TestRequiresString(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{`{"detail":{"a":["x"]}}`, "$.detail.a", true},
		{`{"detail":{"a":["x",{"prefix":"y"},{"equals-ignore-case":"z"}]}}`, "$.detail.a", true},
		{`{"detail":{"a":[{"exists":false},"x"]}}`, "$.detail.a", false},
		{`{"detail":{"a":[{"anything-but":"x"}]}}`, "$.detail.a", false},
		{`{"detail":{"a":[1]}}`, "$.detail.a", false},
		{`{"detail":{"a":[]}}`, "$.detail.a", false},
		{`{"detail":{"a":{"b":["x"]}}}`, "$.detail.a", false},
		{`{"detail":{"b":["x"]}}`, "$.detail.a", false},
		{`{"$or":[{"detail":{"a":["x"]}}]}`, "$.detail.a", false},
		{`not json`, "$.detail.a", false},
	}
	for _, tt := range tests {
		if got := channel.RequiresString(tt.pattern, tt.path); got != tt.want {
			t.Errorf("RequiresString(%s, %s) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestPagerDutySeverity(t *testing.T) {
	for s, want := range map[rules.Severity]string{rules.Critical: "critical", rules.High: "error", rules.Medium: "warning", rules.Low: "info"} {
		if got := channel.PagerDutySeverity(s); got != want {
			t.Errorf("PagerDutySeverity(%s) = %s, want %s", s, got, want)
		}
	}
}

// The documented request shapes, as far as rootwatch uses them.

// str returns m[k] as a non-empty string of at most max characters.
func str(m map[string]any, k string, max int) (string, error) {
	s, ok := m[k].(string)
	if !ok || s == "" || len([]rune(s)) > max {
		return "", fmt.Errorf("%q = %v: want a string of 1..%d characters", k, m[k], max)
	}
	return s, nil
}

func objects(v any, what string) ([]map[string]any, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("%s: want a non-empty array", what)
	}
	out := make([]map[string]any, len(arr))
	for i, x := range arr {
		if out[i], ok = x.(map[string]any); !ok {
			return nil, fmt.Errorf("%s[%d]: want an object", what, i)
		}
	}
	return out, nil
}

// slackShape: https://api.slack.com/messaging/webhooks and the Block Kit
// reference: text; blocks of header (plain_text ≤ 150), section (≤ 10 fields,
// each a text object of ≤ 2000 characters) and context (≤ 10 elements).
func slackShape(body map[string]any, _ rules.Rule) error {
	if _, err := str(body, "text", 40000); err != nil {
		return err
	}
	blocks, err := objects(body["blocks"], "blocks")
	if err != nil {
		return err
	}
	if len(blocks) > 50 {
		return fmt.Errorf("%d blocks, Slack allows 50", len(blocks))
	}
	textObj := func(m map[string]any, max int) error {
		if ty := m["type"]; ty != "plain_text" && ty != "mrkdwn" {
			return fmt.Errorf("text object type %v", ty)
		}
		_, err := str(m, "text", max)
		return err
	}
	for i, b := range blocks {
		switch b["type"] {
		case "header":
			tx, ok := b["text"].(map[string]any)
			if !ok || tx["type"] != "plain_text" {
				return fmt.Errorf("block %d: a header's text is plain_text", i)
			}
			if err := textObj(tx, 150); err != nil {
				return fmt.Errorf("block %d: %w", i, err)
			}
		case "section":
			fs, err := objects(b["fields"], "fields")
			if err != nil || len(fs) > 10 {
				return fmt.Errorf("block %d: want 1..10 fields: %v", i, err)
			}
			for _, f := range fs {
				if err := textObj(f, 2000); err != nil {
					return fmt.Errorf("block %d: %w", i, err)
				}
			}
		case "context":
			es, err := objects(b["elements"], "elements")
			if err != nil || len(es) > 10 {
				return fmt.Errorf("block %d: want 1..10 elements: %v", i, err)
			}
			for _, e := range es {
				if err := textObj(e, 3000); err != nil {
					return fmt.Errorf("block %d: %w", i, err)
				}
			}
		default:
			return fmt.Errorf("block %d: type %v", i, b["type"])
		}
	}
	return nil
}

// teamsShape: a Workflows webhook's "Post card" expects {"type":"message",
// "attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
// "content":<an Adaptive Card>}]}; the card's TextBlocks have text and its
// FactSets facts of title and value strings.
func teamsShape(body map[string]any, _ rules.Rule) error {
	if body["type"] != "message" {
		return fmt.Errorf("type %v, want message", body["type"])
	}
	atts, err := objects(body["attachments"], "attachments")
	if err != nil || len(atts) != 1 {
		return fmt.Errorf("want one attachment: %v", err)
	}
	if atts[0]["contentType"] != "application/vnd.microsoft.card.adaptive" {
		return fmt.Errorf("contentType %v", atts[0]["contentType"])
	}
	card, ok := atts[0]["content"].(map[string]any)
	if !ok || card["type"] != "AdaptiveCard" || card["version"] == nil {
		return fmt.Errorf("content is not an Adaptive Card: %v", atts[0]["content"])
	}
	els, err := objects(card["body"], "body")
	if err != nil {
		return err
	}
	for i, e := range els {
		switch e["type"] {
		case "TextBlock":
			if _, err := str(e, "text", 10000); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		case "FactSet":
			facts, err := objects(e["facts"], "facts")
			if err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
			for _, f := range facts {
				if _, err := str(f, "title", 1000); err != nil {
					return err
				}
				if _, err := str(f, "value", 10000); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("element %d: type %v", i, e["type"])
		}
	}
	return nil
}

// pagerDutyShape: Events API v2 (https://developer.pagerduty.com/api-reference/
// send-an-event-to-pager-duty): event_action trigger; dedup_key ≤ 255;
// payload.summary ≤ 1024, source, severity one of four, timestamp ISO 8601.
// routing_key is added by the connection, so it must not be in the template.
func pagerDutyShape(body map[string]any, r rules.Rule) error {
	if _, ok := body["routing_key"]; ok {
		return fmt.Errorf("routing_key in the template; the connection adds it")
	}
	if body["event_action"] != "trigger" {
		return fmt.Errorf("event_action %v", body["event_action"])
	}
	if _, err := str(body, "dedup_key", 255); err != nil {
		return err
	}
	p, ok := body["payload"].(map[string]any)
	if !ok {
		return fmt.Errorf("no payload")
	}
	if _, err := str(p, "summary", 1024); err != nil {
		return err
	}
	if _, err := str(p, "source", 255); err != nil {
		return err
	}
	if sev := p["severity"]; !slices.Contains([]any{"critical", "error", "warning", "info"}, sev) || sev != channel.PagerDutySeverity(r.Severity) {
		return fmt.Errorf("severity %v", sev)
	}
	ts, err := str(p, "timestamp", 64)
	if err != nil {
		return err
	}
	if _, err := time.Parse(time.RFC3339, ts); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if _, ok := p["custom_details"].(map[string]any); !ok {
		return fmt.Errorf("custom_details is not an object")
	}
	return nil
}

// webhookShape: the documented object (README "Channels"): schema, kind,
// title, severity, and the fields under scan --output json's names.
func webhookShape(body map[string]any, r rules.Rule) error {
	if body["schema"] != "rootwatch.alert/1" || body["kind"] != r.ID || body["title"] != r.Title || body["severity"] != string(r.Severity) {
		return fmt.Errorf("schema, kind, title or severity wrong")
	}
	for _, k := range []string{"time", "account", "region", "event", "eventSource", "eventID", "sourceIP"} {
		if _, err := str(body, k, 1000); err != nil {
			return err
		}
	}
	return nil
}

// TestFieldsAreTheSafeFields: the channels render exactly the rule pack's
// allow-list, each under a key of its own.
func TestFieldsAreTheSafeFields(t *testing.T) {
	var want, got []string
	for _, sf := range rules.SafeFields() {
		want = append(want, sf.Path)
	}
	keys := map[string]string{}
	for _, f := range channel.Fields {
		got = append(got, f.Path)
		if p, ok := keys[f.Key]; ok && !strings.HasPrefix(p, "$.detail.") {
			t.Errorf("key %s names %s and %s", f.Key, p, f.Path)
		}
		keys[f.Key] = f.Path
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("channel fields %v, want the safe fields %v", got, want)
	}
}
