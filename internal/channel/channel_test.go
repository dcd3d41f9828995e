package channel_test

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/channel"
)

const (
	slackURL  = "https://hooks.slack.com/services/T0000SECRET/B0000SECRET/abcdefSECRETxyz"
	teamsURL  = "https://prod-12.westeurope.logic.azure.com:443/workflows/0123SECRET/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRETSIG"
	pdKey     = "R0UT1NGKEYSECRET0123456789abcdef"
	hookURL   = "https://alerts.example.com/rootwatch?token=SECRETTOKEN"
	teamsHost = "prod-12.westeurope.logic.azure.com"
)

func TestParse(t *testing.T) {
	files := func(path string) ([]byte, error) {
		if path == "/run/secrets/slack" {
			return []byte(slackURL + "\n"), nil
		}
		return nil, fs.ErrNotExist
	}
	tests := []struct {
		kind    channel.Kind
		value   string
		want    string // String(); "" when an error is expected
		wantErr string // a part of the error
	}{
		{channel.Slack, slackURL, "slack hooks.slack.com", ""},
		{channel.Slack, "file:///run/secrets/slack", "slack hooks.slack.com", ""},
		{channel.Slack, "https://hooks.slack.com/services/T0000SECRET/B0000SECRET/abcdefSECRETxyz  ", "slack hooks.slack.com", ""},
		{channel.Slack, "http://hooks.slack.com/services/T0000SECRET/B0000SECRET/x", "", "https://"},
		{channel.Slack, "https://hooks.example.com/services/SECRET", "", "Slack incoming webhook"},
		{channel.Slack, "https://hooks.slack.com/triggers/SECRET", "", "Slack incoming webhook"},
		{channel.Slack, "https://user:SECRET@hooks.slack.com/services/x", "", "user information"},
		{channel.Slack, "file:///missing", "", "file does not exist"},
		{channel.Slack, "", "", "https://"},
		{channel.Teams, teamsURL, "teams " + teamsHost, ""},
		{channel.Teams, "https://default0123.ab.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/SECRET/triggers/manual/paths/invoke?sig=SECRET", "teams default0123.ab.environment.api.powerplatform.com", ""},
		{channel.Teams, "https://contoso.webhook.office.com/webhookb2/SECRET", "", "Office 365 connectors are retired"},
		{channel.Teams, "https://outlook.office.com/webhook/SECRET", "", "Office 365 connectors are retired"},
		{channel.Teams, "https://example.com/SECRET", "", "Workflows"},
		{channel.PagerDuty, pdKey, "pagerduty events.pagerduty.com", ""},
		{channel.PagerDuty, "SECRET-too-short", "", "32 letters and digits"},
		{channel.PagerDuty, pdKey + "x", "", "32 letters and digits"},
		{channel.PagerDuty, "R0UT1NGKEYSECRET0123456789abcde\"", "", "32 letters and digits"},
		{channel.Webhook, hookURL, "webhook alerts.example.com", ""},
		{channel.Webhook, "https://alerts.example.com/x#SECRET", "", "fragment"},
		{channel.Webhook, "ftp://alerts.example.com/SECRET", "", "https://"},
		{channel.Webhook, "https://alerts.example.com/" + strings.Repeat("SECRET", 400), "", "2048"},
		{channel.Webhook, "https://[::1%SECRET/", "", "not a URL"},
		{channel.Webhook, "https://:", "", "https://"},
		{channel.Webhook, "https://192.0.2.7/SECRET", "", "public domain name"},
		{channel.Webhook, "https://localhost/SECRET", "", "public domain name"},
		{channel.Webhook, "Https://alerts.example.com/SECRET", "", "https://"},
		{channel.Webhook, "https://./SECRET", "", "public domain name"},
		{channel.Webhook, "https://alerts..example.com/SECRET", "", "public domain name"},
		{channel.Webhook, "https://-alerts.example.com/SECRET", "", "public domain name"},
		{channel.Webhook, "https://alerts.example.com./x", "webhook alerts.example.com.", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+" "+tt.value, func(t *testing.T) {
			c, err := channel.Parse(tt.kind, tt.value, files)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Parse = %v, want an error containing %q", c, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("error %q repeats the secret", err)
				}
				if !errors.Is(err, channel.ErrSecret) && !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("error %q wraps neither ErrSecret nor the file's error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNoSecretInFormatting: every way of printing a channel shows its kind and
// host only.
func TestNoSecretInFormatting(t *testing.T) {
	for _, c := range all(t) {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			out := fmt.Sprintf(verb, c)
			if strings.Contains(out, "SECRET") {
				t.Errorf("Sprintf(%s, %s channel) = %q shows the secret", verb, c.Kind(), out)
			}
			if !strings.Contains(out, c.Host()) {
				t.Errorf("Sprintf(%s, %s channel) = %q does not show the host", verb, c.Kind(), out)
			}
		}
		out := fmt.Sprintf("%v", []channel.Channel{c})
		if strings.Contains(out, "SECRET") {
			t.Errorf("a slice of channels prints the secret: %q", out)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{"ROOTWATCH_PAGERDUTY": pdKey + "\n 0123456789abcdefABCDEF0123456789 ", "ROOTWATCH_SLACK": "not-a-url-SECRET"}
	getenv := func(k string) string { return env[k] }
	cs, err := channel.FromEnv(channel.PagerDuty, getenv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].ID() == cs[1].ID() {
		t.Errorf("FromEnv(pagerduty) = %v, want two distinct channels", cs)
	}
	if cs, err := channel.FromEnv(channel.Teams, getenv, nil); err != nil || len(cs) != 0 {
		t.Errorf("FromEnv(teams) with the variable unset = %v, %v; want none", cs, err)
	}
	_, err = channel.FromEnv(channel.Slack, getenv, nil)
	if err == nil || !strings.Contains(err.Error(), "ROOTWATCH_SLACK") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("FromEnv(slack) error = %v; want one naming the variable, without its value", err)
	}
}

func TestConnection(t *testing.T) {
	cs := all(t)
	names := map[string]bool{}
	for _, c := range cs {
		name := c.Name("rootwatch")
		if len(name) > 64 || names[name] || !strings.HasPrefix(name, "rootwatch-"+string(c.Kind())+"-") {
			t.Errorf("Name = %q: want a unique name of at most 64 characters", name)
		}
		names[name] = true
		a := c.Auth()
		if a.HeaderName == "" || a.HeaderValue == "" || strings.Contains(a.HeaderValue, "SECRET") {
			t.Errorf("%s: Auth header %q: %q; want a dummy header", c.Kind(), a.HeaderName, a.HeaderValue)
		}
		switch c.Kind() {
		case channel.PagerDuty:
			if c.Endpoint() != channel.PagerDutyEndpoint || len(a.Body) != 1 || a.Body[0].Key != "routing_key" || a.Body[0].Value != pdKey || !a.Body[0].Secret {
				t.Errorf("pagerduty: endpoint %q, body %+v; want the Events API and the routing key as a secret body parameter", c.Endpoint(), a.Body)
			}
		default:
			if !strings.Contains(c.Endpoint(), "SECRET") || len(a.Body) != 0 {
				t.Errorf("%s: endpoint %q, body %+v; want the URL and no body parameter", c.Kind(), c.Endpoint(), a.Body)
			}
		}
		if r := c.RateLimit(); r < 1 || r > 300 {
			t.Errorf("%s: RateLimit = %d, want 1..300", c.Kind(), r)
		}
	}
	// The ID is stable and depends on the secret.
	a, _ := channel.Parse(channel.Slack, slackURL, nil)
	b, _ := channel.Parse(channel.Slack, slackURL+"2", nil)
	if a.ID() != cs[0].ID() || a.ID() == b.ID() {
		t.Errorf("IDs %s %s %s: want the same secret to give the same ID, another secret another", a.ID(), cs[0].ID(), b.ID())
	}
}

// all returns one channel of each kind, in channel.Kinds order.
func all(t *testing.T) []channel.Channel {
	t.Helper()
	var out []channel.Channel
	for _, v := range []struct {
		k channel.Kind
		v string
	}{{channel.Slack, slackURL}, {channel.Teams, teamsURL}, {channel.PagerDuty, pdKey}, {channel.Webhook, hookURL}} {
		c, err := channel.Parse(v.k, v.v, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{slackURL, teamsURL, pdKey, hookURL, "file://x", "https://a/b#c", "https://u:p@h/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range channel.Kinds {
			c, err := channel.Parse(k, s, func(string) ([]byte, error) { return nil, fs.ErrNotExist })
			if err != nil {
				continue
			}
			if strings.Contains(c.String(), "\n") || c.Host() == "" {
				t.Errorf("Parse(%s, %q) = %q: want a host and one line", k, s, c.String())
			}
			if k != channel.PagerDuty && !strings.HasPrefix(c.Endpoint(), "https://") {
				t.Errorf("Parse(%s, %q): endpoint %q is not HTTPS", k, s, c.Endpoint())
			}
		}
	})
}
