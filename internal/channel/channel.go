// Package channel is where alerts go besides the SNS topic: Slack, Microsoft
// Teams, PagerDuty and any HTTPS webhook, reached by EventBridge itself through
// a connection and an API destination (no Lambda). It parses and validates what
// the user gives (a webhook URL or a PagerDuty routing key, each a secret), says
// what EventBridge needs to reach the channel (endpoint, authorization, rate
// limit), and renders each channel's native request body as an EventBridge
// input transformer per alert rule.
//
// A channel's secret never leaves this package except through Endpoint and
// Auth, which deploy hands to AWS: String, Host and everything meant for
// output show only the kind and the host.
//
// The package is pure: the standard library and the rule pack only.
package channel

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// Kind is a kind of channel.
type Kind string

// The kinds of channel, in the order they are listed.
const (
	Slack     Kind = "slack"
	Teams     Kind = "teams"
	PagerDuty Kind = "pagerduty"
	Webhook   Kind = "webhook"
)

// Kinds lists every kind.
var Kinds = []Kind{Slack, Teams, PagerDuty, Webhook}

// EnvVar is the environment variable that may hold a kind's secrets, one or
// more separated by white space, so that none need be on the command line:
// ROOTWATCH_SLACK, ROOTWATCH_TEAMS, ROOTWATCH_PAGERDUTY, ROOTWATCH_WEBHOOK.
func (k Kind) EnvVar() string { return "ROOTWATCH_" + strings.ToUpper(string(k)) }

// PagerDutyEndpoint is PagerDuty's Events API v2.
const PagerDutyEndpoint = "https://events.pagerduty.com/v2/enqueue"

// Channel is one place alerts go. Its zero value is not valid; use Parse.
type Channel struct {
	kind   Kind
	secret string // the webhook URL, or the PagerDuty routing key
	host   string
}

// Kind returns the channel's kind.
func (c Channel) Kind() Kind { return c.kind }

// Host returns the host EventBridge calls (not secret).
func (c Channel) Host() string { return c.host }

// String returns the kind and host, e.g. "slack hooks.slack.com": what plans,
// status and JSON output show of a channel.
func (c Channel) String() string { return string(c.kind) + " " + c.host }

// GoString keeps the secret out of %#v too.
func (c Channel) GoString() string { return "channel.Channel{" + c.String() + "}" }

// ID is a short, stable identifier of the channel among others of its kind:
// the first 8 hex digits of the SHA-256 of the secret. It names the channel's
// AWS resources, so that a redeploy finds them and two Slack webhooks do not
// collide. 32 bits of a hash of a high-entropy secret disclose nothing usable.
func (c Channel) ID() string {
	h := sha256.Sum256([]byte(string(c.kind) + "\x00" + c.secret))
	return hex.EncodeToString(h[:4])
}

// Name is the name of the channel's connection and API destination, e.g.
// "rootwatch-slack-1a2b3c4d" (at most 64 characters, as EventBridge allows).
func (c Channel) Name(prefix string) string { return prefix + "-" + string(c.kind) + "-" + c.ID() }

// Endpoint is the URL EventBridge invokes. For Slack, Teams and webhooks the
// URL is the secret: it goes to the API destination only, never to output.
func (c Channel) Endpoint() string {
	if c.kind == PagerDuty {
		return PagerDutyEndpoint
	}
	return c.secret
}

// Auth is what the connection holds. EventBridge requires an authorization on
// every connection; endpoints whose secret is their URL get a dummy API-key
// header, as AWS documents for such partners. PagerDuty's routing key is a
// secret body parameter, kept in the connection's Secrets Manager secret and
// added to each request's body by EventBridge, so that no input template and
// no plan holds it.
type Auth struct {
	HeaderName  string
	HeaderValue string
	Body        []BodyParam
}

// BodyParam is a parameter the connection adds to the JSON body.
type BodyParam struct {
	Key    string
	Value  string
	Secret bool
}

// HeaderName is the dummy API-key header rootwatch's connections send.
const HeaderName = "X-Rootwatch-Channel"

// Auth returns the connection's authorization.
func (c Channel) Auth() Auth {
	a := Auth{HeaderName: HeaderName, HeaderValue: string(c.kind)}
	if c.kind == PagerDuty {
		a.Body = []BodyParam{{Key: "routing_key", Value: c.secret, Secret: true}}
	}
	return a
}

// RateLimit is the most invocations per second EventBridge may make to the
// channel's API destination: Slack allows about one message per second per
// webhook, PagerDuty about 120 events per minute per routing key (1/s stays
// under it), and Teams Workflows webhooks throttle bursts, so those get 1; a
// generic webhook gets 10.
func (c Channel) RateLimit() int {
	switch c.kind {
	case Slack, PagerDuty, Teams:
		return 1
	}
	return 10
}

// ErrSecret is wrapped by errors about a value that cannot be a channel's
// secret. Its text never includes the value.
var ErrSecret = errors.New("not a valid channel")

// Files reads a file:// value; tests replace it.
type Files func(path string) ([]byte, error)

// Parse reads one --slack/--teams/--pagerduty/--webhook value: the secret
// itself, or file://PATH (the AWS CLI's convention) naming a file that holds
// it. readFile nil means os.ReadFile. Errors never repeat the secret.
func Parse(kind Kind, value string, readFile Files) (Channel, error) {
	if readFile == nil {
		readFile = os.ReadFile
	}
	if path, ok := strings.CutPrefix(value, "file://"); ok {
		b, err := readFile(path)
		if err != nil {
			return Channel{}, fmt.Errorf("--%s file://%s: %w", kind, path, err)
		}
		value = string(b)
	}
	value = strings.TrimSpace(value)
	c := Channel{kind: kind, secret: value}
	var err error
	switch kind {
	case Slack:
		c.host, err = webhookHost(value, func(u *url.URL) error {
			if h := u.Hostname(); !(h == "hooks.slack.com" || h == "hooks.slack-gov.com") || !strings.HasPrefix(u.Path, "/services/") {
				return errors.New("want a Slack incoming webhook URL (https://hooks.slack.com/services/…)")
			}
			return nil
		})
	case Teams:
		c.host, err = webhookHost(value, func(u *url.URL) error {
			switch h := u.Hostname(); {
			case strings.HasSuffix(h, ".webhook.office.com") || h == "outlook.office.com" || h == "outlook.office365.com":
				return errors.New("retired Office 365 connector: Office 365 connectors are retired; create a Teams Workflows webhook (\"When a Teams webhook request is received\") and use its URL")
			case strings.HasSuffix(h, ".logic.azure.com"), strings.HasSuffix(h, ".api.powerplatform.com"):
				return nil
			}
			return errors.New("want a Teams Workflows webhook URL (host *.logic.azure.com or *.api.powerplatform.com)")
		})
	case PagerDuty:
		if !routingKey(value) {
			err = errors.New("want a PagerDuty Events API v2 integration (routing) key: 32 letters and digits")
		}
		c.host = "events.pagerduty.com"
	case Webhook:
		c.host, err = webhookHost(value, func(*url.URL) error { return nil })
	default:
		err = fmt.Errorf("unknown kind %q", kind)
	}
	if err != nil {
		return Channel{}, fmt.Errorf("--%s: %w: %w", kind, ErrSecret, err)
	}
	return c, nil
}

// FromEnv parses the secrets the kind's environment variable holds (none when
// it is unset or empty). getenv nil means os.Getenv.
func FromEnv(kind Kind, getenv func(string) string, readFile Files) ([]Channel, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var out []Channel
	for _, v := range strings.Fields(getenv(kind.EnvVar())) {
		c, err := Parse(kind, v, readFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind.EnvVar(), err)
		}
		out = append(out, c)
	}
	return out, nil
}

// webhookHost checks an HTTPS URL as EventBridge and the service accept it and
// returns its host.
func webhookHost(value string, check func(*url.URL) error) (string, error) {
	u, err := url.Parse(value)
	if err != nil {
		return "", errors.New("not a URL") // url's error repeats the value
	}
	// The scheme as written: url.Parse lowercases it, but the endpoint
	// EventBridge is given is the value itself.
	if !strings.HasPrefix(value, "https://") || u.Hostname() == "" || u.User != nil || u.Fragment != "" {
		return "", errors.New("want an https:// URL without user information or fragment (EventBridge calls HTTPS endpoints only)")
	}
	if h := u.Hostname(); net.ParseIP(h) != nil || !domainName(h) {
		return "", errors.New("want a public domain name, not an IP address or a local name (EventBridge calls those only)")
	}
	if len(value) > 2048 {
		return "", errors.New("URL longer than EventBridge's 2048 characters")
	}
	if err := check(u); err != nil {
		return "", err
	}
	return u.Hostname(), nil
}

// domainName reports whether h is a domain name of two or more labels, each
// of letters, digits and inner hyphens (a trailing dot allowed).
func domainName(h string) bool {
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// routingKey reports whether s looks like a PagerDuty integration key.
func routingKey(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Secrets returns the secrets of cs, for tests and checks that output holds
// none of them.
func Secrets(cs []Channel) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.secret)
	}
	return out
}
