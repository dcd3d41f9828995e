package fake_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// endpoint is an HTTPS test server that answers with a script of statuses (the
// last one repeats) and records what it was sent.
type endpoint struct {
	srv *httptest.Server

	mu       sync.Mutex
	statuses []int
	bodies   []string
	headers  []http.Header
}

func newEndpoint(t *testing.T, statuses ...int) *endpoint {
	e := &endpoint{statuses: statuses}
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.bodies = append(e.bodies, string(b))
		e.headers = append(e.headers, r.Header.Clone())
		status := e.statuses[0]
		if len(e.statuses) > 1 {
			e.statuses = e.statuses[1:]
		}
		e.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *endpoint) received() ([]string, []http.Header) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.bodies...), append([]http.Header(nil), e.headers...)
}

// apiChain is a rule on the home default bus whose target is an API
// destination, with the role EventBridge needs and a dead-letter queue.
type apiChain struct {
	a       *fake.Account
	ep      *endpoint
	dstARN  string
	dlqURL  string
	sleeps  *[]time.Duration
	ruleARN string
}

const invokeTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}`

func buildAPIChain(t *testing.T, target cloud.Target, rate int, statuses ...int) apiChain {
	t.Helper()
	ctx := context.Background()
	ep := newEndpoint(t, statuses...)
	var mu sync.Mutex
	var sleeps []time.Duration
	a := fake.NewWith(fake.Options{HTTPClient: ep.srv.Client(), Sleep: func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		sleeps = append(sleeps, d)
	}})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	d := a.Destinations(home)
	conn, err := d.CreateConnection(ctx, cloud.ConnectionSpec{
		Name: "rootwatch-pagerduty", APIKeyName: "X-Rootwatch-Channel", APIKeyValue: "pagerduty",
		Body: []cloud.BodyParam{{Key: "routing_key", Value: "R0UTINGKEY", Secret: true}},
	})
	must(err)
	dst, err := d.CreateDestination(ctx, cloud.Destination{Name: "rootwatch-pagerduty", ConnectionARN: conn.ARN, Endpoint: ep.srv.URL + "/v2/enqueue", Method: "POST", RateLimit: rate})
	must(err)
	ruleARN, err := a.Events(home).PutRule(ctx, cloud.Rule{Name: "rootwatch-alert", Pattern: rootPattern, State: cloud.RuleEnabled})
	must(err)
	dlqPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:rootwatch-dlq","Condition":{"ArnEquals":{"aws:SourceArn":"` + ruleARN + `"}}}]}`
	dlq, err := a.Queues(home).CreateQueue(ctx, "rootwatch-dlq", dlqPolicy, nil)
	must(err)
	role, err := a.Roles().CreateRole(ctx, cloud.Role{Name: "rootwatch-invoker", Trust: invokeTrust})
	must(err)
	must(a.Roles().PutRolePolicy(ctx, "rootwatch-invoker", "invoke", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:InvokeApiDestination","Resource":"`+dst.ARN+`"}]}`))
	target.ARN, target.RoleARN, target.DeadLetterARN = dst.ARN, role, dlq.ARN
	must(a.Events(home).PutTargets(ctx, "", "rootwatch-alert", []cloud.Target{target}))
	return apiChain{a: a, ep: ep, dstARN: dst.ARN, dlqURL: dlq.URL, sleeps: &sleeps, ruleARN: ruleARN}
}

func (c apiChain) dlqDepth(t *testing.T) int {
	t.Helper()
	q, err := c.a.Queues(home).Queue(context.Background(), "rootwatch-dlq")
	if err != nil {
		t.Fatal(err)
	}
	return q.Messages
}

func (c apiChain) statuses() []int {
	var out []int
	for _, inv := range c.a.Invocations() {
		out = append(out, inv.Status)
	}
	return out
}

var pdTarget = cloud.Target{
	ID: "pagerduty",
	Input: &cloud.InputTransformer{
		Paths:    map[string]string{"id": "$.id", "account": "$.account"},
		Template: `{"event_action":"trigger","dedup_key":<id>,"payload":{"source":<account>}}`,
	},
}

func TestAPIDestinationDelivers(t *testing.T) {
	c := buildAPIChain(t, pdTarget, 0, http.StatusAccepted)
	signInHome := signInIn(home)
	if err := c.a.Emit(home, signInHome); err != nil {
		t.Fatal(err)
	}
	bodies, headers := c.ep.received()
	if len(bodies) != 1 {
		t.Fatalf("endpoint got %d requests, want 1", len(bodies))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(bodies[0]), &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", bodies[0], err)
	}
	want := map[string]any{
		"event_action": "trigger",
		"dedup_key":    "6f87d04b-9f74-4f04-a780-7acf4b0a9b38",
		"payload":      map[string]any{"source": "123456789012"},
		"routing_key":  "R0UTINGKEY", // the connection's secret body parameter
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if h := headers[0]; h.Get("X-Rootwatch-Channel") != "pagerduty" || h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("headers = %v, want the connection's API-key header and JSON content type", h)
	}
	if f := c.a.Failures(); len(f) != 0 {
		t.Errorf("failures = %+v, want none", f)
	}
}

func TestAPIDestinationRetries(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		statuses    []int
		wantCalls   []int
		wantDLQ     int
		wantSleeps  []time.Duration
	}{
		{"429 then accepted", 0, []int{429, 429, 202}, []int{429, 429, 202}, 0, []time.Duration{time.Second, 2 * time.Second}},
		{"503 then accepted", 0, []int{503, 200}, []int{503, 200}, 0, []time.Duration{time.Second}},
		{"400 is final", 0, []int{400}, []int{400}, 1, nil},
		{"404 is final", 0, []int{404}, []int{404}, 1, nil},
		{"500 until the retries run out", 2, []int{500}, []int{500, 500, 500}, 1, []time.Duration{time.Second, 2 * time.Second}},
		{"409 is retried", 1, []int{409, 201}, []int{409, 201}, 0, []time.Duration{time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := pdTarget
			target.MaxAttempts = tt.maxAttempts
			c := buildAPIChain(t, target, 0, tt.statuses...)
			if err := c.a.Emit(home, signInIn(home)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantCalls, c.statuses()); diff != "" {
				t.Errorf("statuses the endpoint answered (-want +got):\n%s", diff)
			}
			if got := c.dlqDepth(t); got != tt.wantDLQ {
				t.Errorf("dead-letter queue holds %d, want %d", got, tt.wantDLQ)
			}
			if diff := cmp.Diff(tt.wantSleeps, *c.sleeps); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if f := c.a.Failures(); (len(f) == 1) != (tt.wantDLQ == 1) || len(f) == 1 && !f[0].DeadLetter {
				t.Errorf("failures = %+v", f)
			}
		})
	}
}

func TestAPIDestinationRetryAfter(t *testing.T) {
	c := buildAPIChain(t, pdTarget, 0, 429, 200)
	// Retry-After is honoured: an endpoint that asks for 30 s gets 30 s.
	c.ep.srv.Config.Handler = retryAfter(c.ep.srv.Config.Handler, "30")
	if err := c.a.Emit(home, signInIn(home)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{30 * time.Second}, *c.sleeps); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func retryAfter(next http.Handler, secs string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", secs)
		next.ServeHTTP(w, r)
	})
}

func TestAPIDestinationRateLimit(t *testing.T) {
	c := buildAPIChain(t, pdTarget, 2, 200)
	for range 5 {
		if err := c.a.Emit(home, signInIn(home)); err != nil {
			t.Fatal(err)
		}
	}
	invs := c.a.Invocations()
	if len(invs) != 5 {
		t.Fatalf("%d invocations, want 5", len(invs))
	}
	// At most 2 per second: each invocation at least 500 ms after the last.
	for i := 1; i < len(invs); i++ {
		if gap := invs[i].At.Sub(invs[i-1].At); gap < 500*time.Millisecond {
			t.Errorf("invocation %d came %v after the previous one; the rate limit of 2/s allows no less than 500ms", i, gap)
		}
	}
}

func TestAPIDestinationRefusals(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(t *testing.T, c apiChain)
	}{
		{"connection deauthorized", func(t *testing.T, c apiChain) {
			if err := c.a.DeauthorizeConnection(home, "rootwatch-pagerduty", "the API key was revoked"); err != nil {
				t.Fatal(err)
			}
		}},
		{"role may not invoke", func(t *testing.T, c apiChain) {
			if err := c.a.Roles().PutRolePolicy(context.Background(), "rootwatch-invoker", "invoke", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:InvokeApiDestination","Resource":"arn:aws:events:us-east-1:123456789012:api-destination/other/*"}]}`); err != nil {
				t.Fatal(err)
			}
		}},
		{"managed policy denies invoking", func(t *testing.T, c apiChain) {
			arn, err := c.a.CreateManagedPolicy("deny-invoke", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"events:InvokeApiDestination","Resource":"*"}]}`)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.a.AttachRolePolicy("rootwatch-invoker", arn); err != nil {
				t.Fatal(err)
			}
		}},
		{"boundary without invoking", func(t *testing.T, c apiChain) {
			arn, err := c.a.CreateManagedPolicy("narrow", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"*"}]}`)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.a.SetRoleBoundary("rootwatch-invoker", arn); err != nil {
				t.Fatal(err)
			}
		}},
		{"destination deleted", func(t *testing.T, c apiChain) {
			if err := c.a.Destinations(home).DeleteDestination(context.Background(), "rootwatch-pagerduty"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := buildAPIChain(t, pdTarget, 0, 200)
			tt.breakIt(t, c)
			if err := c.a.Emit(home, signInIn(home)); err != nil {
				t.Fatal(err)
			}
			if n := len(c.a.Invocations()); n != 0 {
				t.Errorf("%d invocations, want none", n)
			}
			if got := c.dlqDepth(t); got != 1 {
				t.Errorf("dead-letter queue holds %d, want 1", got)
			}
		})
	}
	t.Run("deauthorized then updated", func(t *testing.T) {
		c := buildAPIChain(t, pdTarget, 0, 200)
		ctx := context.Background()
		if err := c.a.DeauthorizeConnection(home, "rootwatch-pagerduty", "revoked"); err != nil {
			t.Fatal(err)
		}
		dst, err := c.a.Destinations(home).Destination(ctx, "rootwatch-pagerduty")
		if err != nil || dst.State != cloud.DestinationInactive {
			t.Fatalf("destination after deauthorizing its connection = %+v, %v; want INACTIVE", dst, err)
		}
		_, err = c.a.Destinations(home).UpdateConnection(ctx, cloud.ConnectionSpec{Name: "rootwatch-pagerduty", APIKeyName: "X-Rootwatch-Channel", APIKeyValue: "pagerduty",
			Body: []cloud.BodyParam{{Key: "routing_key", Value: "NEWKEY", Secret: true}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.a.Emit(home, signInIn(home)); err != nil {
			t.Fatal(err)
		}
		bodies, _ := c.ep.received()
		if len(bodies) != 1 || !json.Valid([]byte(bodies[0])) {
			t.Fatalf("bodies = %q, want one JSON body", bodies)
		}
	})
}

// signInIn is the sign-in event as it arrives in region.
func signInIn(region string) string {
	var ev map[string]any
	_ = json.Unmarshal([]byte(signIn), &ev)
	ev["region"] = region
	b, _ := json.Marshal(ev)
	return string(b)
}
