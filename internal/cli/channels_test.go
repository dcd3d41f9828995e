package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/rules"
	"github.com/rootwatch/rootwatch/internal/status"
)

// The channels' secrets in these tests; each holds "SECRET".
const (
	chSlack     = "https://hooks.slack.com/services/T0SECRET/B0SECRET/slackSECRETxyz"
	chTeams     = "https://prod-01.westeurope.logic.azure.com:443/workflows/SECRET/triggers/manual/paths/invoke?sig=teamsSECRET"
	chPagerDuty = "PDSECRET0123456789abcdefABCDEF01"
	chWebhook   = "https://alerts.example.com/hook?token=webhookSECRET"
)

// endpoints stands in for every channel's service: one HTTPS server that the
// fake's HTTP client dials whatever the host, answering each host with its
// status (200 unless set) and recording the bodies by host.
type endpoints struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status map[string]int
	bodies map[string][]map[string]any
}

func newEndpoints(t *testing.T) *endpoints {
	e := &endpoints{status: map[string]int{}, bodies: map[string][]map[string]any{}}
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.TrimSuffix(r.Host, ":443")
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		e.mu.Lock()
		e.bodies[host] = append(e.bodies[host], body)
		st := e.status[host]
		e.mu.Unlock()
		if st == 0 {
			st = http.StatusOK
		}
		w.WriteHeader(st)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *endpoints) client() *http.Client {
	addr := e.srv.Listener.Addr().String()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test certificate names no real host
	}}
}

func (e *endpoints) received(host string) []map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bodies[host]
}

// runWith runs rootwatch args against acct with env variables, and returns the
// exit code and everything printed.
func runWith(t *testing.T, acct cloud.Account, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{
		Stdout:  &stdout,
		Stderr:  &stderr,
		Getenv:  func(k string) string { return vars[k] },
		Connect: func(context.Context, cloud.Config) (cloud.Account, error) { return acct, nil },
		Now:     func() time.Time { return statusNow },
	}
	code := Main(env, args)
	return code, stdout.String(), stderr.String()
}

// noSecret fails t if out shows any of the channels' secrets.
func noSecret(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range []string{"SECRET", chSlack, chTeams, chPagerDuty, chWebhook} {
		if strings.Contains(out, s) {
			t.Errorf("%s shows the secret %q:\n%s", what, s, out)
			return
		}
	}
}

// channelDeploy deploys rootwatch with all four channels through the command
// line: Slack on the command line, Teams from a file, PagerDuty from the
// environment, a webhook on the command line. It checks every output for the
// secrets, and returns the account and the endpoints.
func channelDeploy(t *testing.T) (*fake.Account, *endpoints) {
	t.Helper()
	eps := newEndpoints(t)
	a := fake.NewWith(fake.Options{Now: func() time.Time { return fakeClock }, HTTPClient: eps.client()})
	if err := a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	teamsFile := filepath.Join(t.TempDir(), "teams-url")
	if err := os.WriteFile(teamsFile, []byte(chTeams+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"ROOTWATCH_PAGERDUTY": chPagerDuty}
	args := []string{"deploy", "--email", statusEmail, "--slack", chSlack, "--teams", "file://" + teamsFile, "--webhook", chWebhook}
	for _, extra := range [][]string{{"--dry-run"}, {"--dry-run", "--output", "json"}, {"--output", "json"}, nil} {
		code, out, errOut := runWith(t, a, vars, append(args, extra...)...)
		if code != ExitOK {
			t.Fatalf("deploy %v: exit %d\n%s%s", extra, code, out, errOut)
		}
		noSecret(t, "deploy "+strings.Join(extra, " "), out+errOut)
		if len(extra) == 0 && !strings.Contains(out, "nothing to do") {
			t.Errorf("deploy again: %s", out)
		}
		if len(extra) == 1 {
			for _, want := range []string{"slack hooks.slack.com", "teams prod-01.westeurope.logic.azure.com", "pagerduty events.pagerduty.com", "webhook alerts.example.com"} {
				if !strings.Contains(out, want) {
					t.Errorf("deploy --dry-run does not show %q:\n%s", want, out)
				}
			}
		}
	}
	spec := channelSpec(t, a)
	if _, err := a.ConfirmSubscription(spec.Topic.ARN, statusEmail); err != nil {
		t.Fatal(err)
	}
	return a, eps
}

func channelSpec(t *testing.T, a *fake.Account) chain.Spec {
	t.Helper()
	id, _ := a.Identity(context.Background())
	regions, _ := a.Regions(context.Background())
	spec, err := chain.Desired(id, regions, chain.Options{Emails: []string{statusEmail}})
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestChannelsEndToEnd is issue 12's acceptance on the fake: a root console
// sign-in reaches all four channels' endpoints in their documented shapes;
// status is healthy and shows no secret; an endpoint answering 400 sends the
// alert to the dead-letter queue and status says so; a deauthorized connection
// is reported with its fix; destroy removes every channel; and no command's
// table or JSON output shows a secret.
func TestChannelsEndToEnd(t *testing.T) {
	a, eps := channelDeploy(t)
	vars := map[string]string{}

	statusBoth := func(what string) (int, status.Report, string) {
		t.Helper()
		code, out, errOut := runWith(t, a, vars, "status")
		noSecret(t, what+" status table", out+errOut)
		jcode, jout, jerr := runWith(t, a, vars, "status", "--output", "json")
		noSecret(t, what+" status JSON", jout+jerr)
		var rep status.Report
		if err := json.Unmarshal([]byte(jout), &rep); err != nil {
			t.Fatalf("%s status JSON: %v\n%s", what, err, jout)
		}
		if code != jcode {
			t.Errorf("%s status: table exit %d, JSON exit %d", what, code, jcode)
		}
		return code, rep, out
	}
	code, rep, out := statusBoth("healthy")
	if code != ExitOK {
		t.Fatalf("status after deploying channels: exit %d\n%s", code, out)
	}
	checks := map[string]bool{}
	for _, c := range rep.Checks {
		checks[strings.SplitN(c.Check, "/", 2)[0]] = true
	}
	for _, want := range []string{"channel", "channel-destination", "channel-targets", "channel-role"} {
		if !checks[want] {
			t.Errorf("status has no %s check:\n%s", want, out)
		}
	}

	// A root console sign-in reaches the four endpoints, each in its shape.
	pos, _ := rules.Fixtures("root-console-signin-no-mfa")
	if err := a.Emit("us-east-1", string(pos[0].Event)); err != nil {
		t.Fatal(err)
	}
	for host, check := range map[string]func(map[string]any) bool{
		"hooks.slack.com":                    func(b map[string]any) bool { _, ok := b["blocks"].([]any); return ok && b["text"] != nil },
		"prod-01.westeurope.logic.azure.com": func(b map[string]any) bool { return b["type"] == "message" && b["attachments"] != nil },
		"events.pagerduty.com": func(b map[string]any) bool {
			return b["routing_key"] == chPagerDuty && b["event_action"] == "trigger" && b["payload"] != nil
		},
		"alerts.example.com": func(b map[string]any) bool {
			return b["kind"] == "root-console-signin-no-mfa" && b["schema"] == "rootwatch.alert/1"
		},
	} {
		got := eps.received(host)
		if len(got) != 1 || !check(got[0]) {
			t.Errorf("%s received %v, want one alert in its shape", host, got)
		}
	}

	// Slack answers 400: the alert goes to the dead-letter queue, and status
	// says so (exit 1).
	eps.mu.Lock()
	eps.status["hooks.slack.com"] = http.StatusBadRequest
	eps.mu.Unlock()
	fakeClock = fakeClock.Add(time.Minute)
	defer func() { fakeClock = statusNow }()
	if err := a.Emit("us-east-1", string(pos[0].Event)); err != nil {
		t.Fatal(err)
	}
	if n := len(eps.received("hooks.slack.com")); n != 2 {
		t.Errorf("Slack got %d requests, want 2 (a 400 is not retried)", n)
	}
	code, rep, out = statusBoth("after a 400")
	if code != ExitReport {
		t.Errorf("status after a 400: exit %d, want %d\n%s", code, ExitReport, out)
	}
	var dlq *status.Result
	for i, c := range rep.Checks {
		if c.Region == "us-east-1" && c.Check == "dlq" {
			dlq = &rep.Checks[i]
		}
	}
	if dlq == nil || dlq.Status != status.Fail {
		t.Errorf("status after a 400: dlq check %+v, want fail", dlq)
	}

	// The connection is deauthorized: status says so, with the fix.
	slack := ""
	for _, c := range rep.Checks {
		if strings.HasPrefix(c.Check, "channel/"+chain.ChannelPrefix+"slack-") {
			slack = strings.TrimPrefix(c.Check, "channel/")
		}
	}
	if err := a.DeauthorizeConnection("us-east-1", slack, "the webhook was revoked"); err != nil {
		t.Fatal(err)
	}
	_, rep, out = statusBoth("deauthorized")
	var deauth, inactive bool
	for _, c := range rep.Checks {
		if c.Check == "channel/"+slack && c.Status == status.Fail && strings.Contains(c.Detail, "Connection Deauthorized") && strings.Contains(c.Fix, "--slack") {
			deauth = true
		}
		if c.Check == "channel-destination/"+slack && c.Status == status.Fail && strings.Contains(c.Detail, "API Destination Deactivated") {
			inactive = true
		}
	}
	if !deauth || !inactive {
		t.Errorf("status with a deauthorized connection does not say so (connection %v, destination %v):\n%s", deauth, inactive, out)
	}

	// The other commands print no secret either.
	for _, args := range [][]string{
		{"test"}, {"test", "--output", "json"},
		{"iam-policy"},
		{"destroy", "--dry-run"}, {"destroy", "--dry-run", "--output", "json"}, {"destroy", "--output", "json"},
	} {
		_, out, errOut := runWith(t, a, vars, args...)
		noSecret(t, strings.Join(args, " "), out+errOut)
	}
	d := a.Destinations("us-east-1")
	conns, _ := d.Connections(context.Background(), "")
	dsts, _ := d.Destinations(context.Background(), "")
	if len(conns) != 0 || len(dsts) != 0 {
		t.Errorf("after destroy: connections %v, destinations %v", conns, dsts)
	}
}

// TestChannelFlagErrors: a refused channel value is a usage error (exit 2)
// that never repeats the value.
func TestChannelFlagErrors(t *testing.T) {
	a := fake.New()
	for _, args := range [][]string{
		{"deploy", "--slack", "https://example.com/SECRET"},
		{"deploy", "--teams", "https://contoso.webhook.office.com/webhookb2/SECRET"},
		{"deploy", "--pagerduty", "SECRET"},
		{"deploy", "--webhook", "http://alerts.example.com/SECRET"},
		{"deploy", "--slack", "file:///nonexistent/SECRET"},
	} {
		code, out, errOut := runWith(t, a, nil, args...)
		if code != ExitError {
			t.Errorf("%v: exit %d, want %d", args, code, ExitError)
		}
		if strings.Contains(out+errOut, "SECRET") && !strings.Contains(args[2], "file://") {
			t.Errorf("%v: output repeats the value:\n%s%s", args, out, errOut)
		}
	}
	code, _, errOut := runWith(t, a, map[string]string{"ROOTWATCH_SLACK": "nope-SECRET"}, "deploy")
	if code != ExitError || !strings.Contains(errOut, "ROOTWATCH_SLACK") || strings.Contains(errOut, "SECRET") {
		t.Errorf("bad ROOTWATCH_SLACK: exit %d\n%s", code, errOut)
	}
}

// TestNotifyChannels: test --notify sends one marked test alert through every
// channel and reports each: the one whose endpoint answers 400 fails (its
// temporary dead-letter queue got the event), the others pass; nothing
// temporary is left; no secret is printed.
func TestNotifyChannels(t *testing.T) {
	a, eps := channelDeploy(t)
	eps.mu.Lock()
	eps.status["alerts.example.com"] = http.StatusBadRequest
	eps.mu.Unlock()
	code, out, errOut := runWith(t, a, nil, "test", "--notify", "--timeout", "300ms", "--output", "json")
	noSecret(t, "test --notify", out+errOut)
	if code != ExitReport {
		t.Errorf("test --notify with a refusing webhook: exit %d, want %d\n%s", code, ExitReport, errOut)
	}
	var res struct {
		Channels []struct {
			Kind, Host, Status, Detail string
		}
		Temporary     []string
		CleanupErrors []string `json:"cleanup_errors"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Channels) != 4 {
		t.Fatalf("channels reported: %+v", res.Channels)
	}
	for _, c := range res.Channels {
		want := "pass"
		if c.Kind == "webhook" {
			want = "fail"
		}
		if c.Status != want {
			t.Errorf("%s %s: %s (%s), want %s", c.Kind, c.Host, c.Status, c.Detail, want)
		}
		got := eps.received(c.Host)
		if len(got) != 1 || !strings.Contains(fmt.Sprint(got[0]), "TEST alert from 'rootwatch test --notify'") {
			t.Errorf("%s received %v, want one marked test alert", c.Host, got)
		}
	}
	if len(res.CleanupErrors) != 0 || len(res.Temporary) == 0 {
		t.Errorf("temporary %v, cleanup errors %v", res.Temporary, res.CleanupErrors)
	}
	rs, _ := a.Events("us-east-1").Rules(context.Background(), chain.BusName, chain.SelfTestRulePrefix)
	if len(rs) != 0 {
		t.Errorf("temporary rules left: %v", rs)
	}
	queues := 0
	for _, tmp := range res.Temporary {
		if name, ok := strings.CutPrefix(tmp, "sqs-queue "); ok {
			queues++
			if _, err := a.Queues("us-east-1").Queue(context.Background(), name); err == nil {
				t.Errorf("temporary queue %s left", name)
			}
		}
	}
	if queues < 4 {
		t.Errorf("temporary resources %v: want a dead-letter queue per channel", res.Temporary)
	}
}
