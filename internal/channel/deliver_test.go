package channel_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// request is what a channel's test server received.
type request struct {
	host, path string
	header     http.Header
	body       map[string]any
}

// services is one HTTPS test server standing in for every channel's service:
// the fake's HTTP client dials it whatever the host (hooks.slack.com,
// events.pagerduty.com, ...), and it records each request by host.
type services struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status int
	got    []request
}

func newServices(t *testing.T, status int) *services {
	s := &services{status: status}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("%s got a body that is not a JSON object: %q", r.Host, b)
		}
		s.mu.Lock()
		s.got = append(s.got, request{host: r.Host, path: r.URL.Path, header: r.Header.Clone(), body: body})
		status := s.status
		s.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// client dials the test server for every host.
func (s *services) client() *http.Client {
	addr := s.srv.Listener.Addr().String()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test server's certificate names no real host
	}}
}

func (s *services) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.got...)
}

const home = "us-east-1"

// wire builds, by hand, what deploy builds for a channel and an alert rule:
// the connection, the API destination, a role EventBridge may assume to invoke
// it, and the rule's target with the channel's transformer and a DLQ.
func wire(t *testing.T, a *fake.Account, c channel.Channel, r rules.Rule) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	d := a.Destinations(home)
	auth := c.Auth()
	spec := cloud.ConnectionSpec{Name: c.Name("rootwatch"), APIKeyName: auth.HeaderName, APIKeyValue: auth.HeaderValue}
	for _, p := range auth.Body {
		spec.Body = append(spec.Body, cloud.BodyParam{Key: p.Key, Value: p.Value, Secret: p.Secret})
	}
	conn, err := d.CreateConnection(ctx, spec)
	must(err)
	dst, err := d.CreateDestination(ctx, cloud.Destination{Name: c.Name("rootwatch"), ConnectionARN: conn.ARN, Endpoint: c.Endpoint(), Method: "POST", RateLimit: c.RateLimit()})
	must(err)
	ev := a.Events(home)
	ruleARN, err := ev.PutRule(ctx, cloud.Rule{Name: "rootwatch-alert-" + r.ID, Pattern: r.Pattern, State: cloud.RuleEnabled})
	must(err)
	role := "rootwatch-channel-" + c.ID()
	roleARN, err := a.Roles().CreateRole(ctx, cloud.Role{Name: role, Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"` + a.ID() + `"}}}]}`})
	must(err)
	must(a.Roles().PutRolePolicy(ctx, role, "invoke", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:InvokeApiDestination","Resource":"`+dst.ARN+`"}]}`))
	dlqName := "rootwatch-dlq-" + c.ID()
	dlq, err := a.Queues(home).CreateQueue(ctx, dlqName, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:`+home+`:`+a.ID()+`:`+dlqName+`","Condition":{"ArnEquals":{"aws:SourceArn":"`+ruleARN+`"}}}]}`, nil)
	must(err)
	tr, err := c.Transformer(r)
	must(err)
	must(ev.PutTargets(ctx, "", "rootwatch-alert-"+r.ID, []cloud.Target{{
		ID: "channel-" + c.ID(), ARN: dst.ARN, RoleARN: roleARN, DeadLetterARN: dlq.ARN,
		Input: &cloud.InputTransformer{Paths: tr.Paths, Template: tr.Template},
	}}))
}

// signIn returns the rule's first positive fixture, a root console sign-in.
func signIn(t *testing.T) (rules.Rule, string) {
	t.Helper()
	r, ok := rules.Get("root-console-signin-no-mfa")
	if !ok {
		t.Fatal("no rule root-console-signin-no-mfa")
	}
	pos, _ := rules.Fixtures(r.ID)
	return r, string(complete(t, pos[0].Event))
}

// TestRootSignInReachesEveryChannel: a root console sign-in, emitted as AWS
// emits it, reaches each of the four services with its documented shape, the
// right fields, and the connection's parameters (PagerDuty's routing key added
// by the connection, not the template).
func TestRootSignInReachesEveryChannel(t *testing.T) {
	s := newServices(t, http.StatusOK)
	a := fake.NewWith(fake.Options{HTTPClient: s.client()})
	r, event := signIn(t)
	cs := all(t)
	for _, c := range cs {
		wire(t, a, c, r)
	}
	if err := a.Emit(home, event); err != nil {
		t.Fatal(err)
	}
	if f := a.Failures(); len(f) != 0 {
		t.Fatalf("failures: %+v", f)
	}
	got := map[string]request{}
	for _, req := range s.requests() {
		got[strings.TrimSuffix(req.host, ":443")] = req
	}
	if len(got) != 4 {
		t.Fatalf("requests reached %d hosts (%v), want the 4 channels'", len(got), got)
	}
	ev := decode(t, []byte(event))
	detail := ev["detail"].(map[string]any)
	eventID := detail["eventID"].(string)
	for _, c := range cs {
		req, ok := got[c.Host()]
		if !ok {
			t.Errorf("%s: no request", c)
			continue
		}
		if req.header.Get(channel.HeaderName) != string(c.Kind()) {
			t.Errorf("%s: header %s = %q", c, channel.HeaderName, req.header.Get(channel.HeaderName))
		}
		var err error
		switch c.Kind() {
		case channel.Slack:
			err = slackShape(req.body, r)
			if req.path != "/services/T0000SECRET/B0000SECRET/abcdefSECRETxyz" {
				t.Errorf("slack: path %s", req.path)
			}
		case channel.Teams:
			err = teamsShape(req.body, r)
		case channel.PagerDuty:
			rk := req.body["routing_key"]
			delete(req.body, "routing_key")
			err = pagerDutyShape(req.body, r)
			if rk != pdKey || req.path != "/v2/enqueue" {
				t.Errorf("pagerduty: routing_key %v, path %s; want the key from the connection and the Events API path", rk, req.path)
			}
			if req.body["dedup_key"] != eventID {
				t.Errorf("pagerduty: dedup_key %v, want the event ID %s", req.body["dedup_key"], eventID)
			}
		case channel.Webhook:
			err = webhookShape(req.body, r)
			for k, want := range map[string]any{"account": ev["account"], "sourceIP": detail["sourceIPAddress"], "eventID": eventID, "mfa": "No", "result": "Success"} {
				if req.body[k] != want {
					t.Errorf("webhook: %s = %v, want %v", k, req.body[k], want)
				}
			}
		}
		if err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
}

// TestRejectedAlertGoesToTheDLQ: an endpoint that answers 400 gets the alert
// once (no retry), and the event goes to the dead-letter queue; one that
// answers 429 is retried until it takes it.
func TestRejectedAlertGoesToTheDLQ(t *testing.T) {
	r, event := signIn(t)
	c := all(t)[0]
	for _, tt := range []struct {
		status   int
		wantDLQ  int
		wantSent int
	}{{http.StatusBadRequest, 1, 1}, {http.StatusForbidden, 1, 1}} {
		s := newServices(t, tt.status)
		a := fake.NewWith(fake.Options{HTTPClient: s.client()})
		wire(t, a, c, r)
		if err := a.Emit(home, event); err != nil {
			t.Fatal(err)
		}
		q, err := a.Queues(home).Queue(context.Background(), "rootwatch-dlq-"+c.ID())
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages != tt.wantDLQ || len(s.requests()) != tt.wantSent {
			t.Errorf("endpoint answering %d: %d requests, DLQ %d; want %d and %d", tt.status, len(s.requests()), q.Messages, tt.wantSent, tt.wantDLQ)
		}
	}

	// 429, 429, then 200.
	s := newServices(t, http.StatusTooManyRequests)
	n := 0
	s.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n++
		if n < 3 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	a := fake.NewWith(fake.Options{HTTPClient: s.client()})
	wire(t, a, c, r)
	if err := a.Emit(home, event); err != nil {
		t.Fatal(err)
	}
	q, err := a.Queues(home).Queue(context.Background(), "rootwatch-dlq-"+c.ID())
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || q.Messages != 0 || len(a.Failures()) != 0 {
		t.Errorf("endpoint answering 429 twice: %d requests, DLQ %d, failures %v; want 3 requests and nothing lost", n, q.Messages, a.Failures())
	}
}
