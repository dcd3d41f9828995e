package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/rules"
	"github.com/rootwatch/rootwatch/internal/status"
)

// Test secrets: each holds "SECRET" so that a leak is easy to find.
const (
	testSlack     = "https://hooks.slack.com/services/T0SECRET/B0SECRET/slackSECRETxyz"
	testTeams     = "https://prod-01.westeurope.logic.azure.com:443/workflows/SECRET/triggers/manual/paths/invoke?sig=teamsSECRET"
	testPagerDuty = "PDSECRET0123456789abcdefABCDEF01"
	testWebhook   = "https://alerts.example.com/hook?token=webhookSECRET"
)

// testChannels returns one channel of each kind.
func testChannels(t *testing.T) []channel.Channel {
	t.Helper()
	var out []channel.Channel
	for k, v := range map[channel.Kind]string{channel.Slack: testSlack, channel.Teams: testTeams, channel.PagerDuty: testPagerDuty, channel.Webhook: testWebhook} {
		c, err := channel.Parse(k, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b channel.Channel) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// snapshotChannels adds the channels' connections and API destinations in
// region to a snapshot (names, states and hosts: no ARN, which AWS makes up).
func snapshotChannels(t *testing.T, a cloud.Account, region string, add func(string, ...any)) {
	t.Helper()
	d := a.Destinations(region)
	conns, err := d.Connections(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		add("%s connection %s %s %s header=%s body=%v", region, c.Name, c.AuthType, c.State, c.APIKeyName, c.BodyKeys)
	}
	dsts, err := d.Destinations(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range dsts {
		add("%s api-destination %s %s host=%s rate=%d", region, x.Name, x.State, chain.EndpointHost(x.Endpoint), x.RateLimit)
	}
}

// secretIn returns the first test secret s holds, or "".
func secretIn(s string) string {
	for _, secret := range []string{"SECRET", testSlack, testTeams, testPagerDuty, testWebhook} {
		if strings.Contains(s, secret) {
			return secret
		}
	}
	return ""
}

// TestDeployChannels: deploy with all four channels creates a connection, an
// API destination and a target on every alert rule for each (on moto too,
// which stores them); a second deploy changes nothing; deploying two of them
// removes the other two; destroy leaves nothing. No plan, table or JSON,
// shows a secret.
func TestDeployChannels(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		a := b.open(t)
		withTrail(t, a)
		rec := cloudtest.Record(a)
		cs := testChannels(t)
		o := opts("alice@example.com")
		o.Channels = cs

		p, err := deployOnce(ctx, rec, o)
		if err != nil {
			t.Fatalf("deploy: %v", err)
		}
		checkNoSecret(t, "deploy", p)
		snap := strings.Join(snapshot(t, a, allRegions(t, a)), "\n")
		spec := specFor(t, a, o)
		for _, c := range spec.Channels {
			for _, want := range []string{
				fmt.Sprintf("us-east-1 connection %s API_KEY AUTHORIZED header=%s", c.Name, channel.HeaderName),
				fmt.Sprintf("us-east-1 api-destination %s ACTIVE host=%s rate=%d", c.Name, c.Channel.Host(), c.Channel.RateLimit()),
			} {
				if !strings.Contains(snap, want) {
					t.Errorf("after deploy, no %q in\n%s", want, snap)
				}
			}
			dst, err := a.Destinations("us-east-1").Destination(ctx, c.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range spec.AlertRules {
				want, err := spec.ChannelTarget(c.Kind(), c.Name, r, dst.ARN)
				if err != nil {
					t.Fatal(err)
				}
				ts, err := a.Events("us-east-1").Targets(ctx, r.Bus, r.Name)
				if err != nil {
					t.Fatal(err)
				}
				i := slices.IndexFunc(ts, func(x cloud.Target) bool { return x.ID == c.Name })
				if i < 0 || !chain.SameTarget(ts[i], want) {
					t.Errorf("rule %s: channel target %s missing or different: %+v", r.Name, c.Name, ts)
				}
				if len(ts) != 1+len(cs) {
					t.Errorf("rule %s has %d targets, want the topic and %d channels", r.Name, len(ts), len(cs))
				}
			}
		}
		if !strings.Contains(snap, "role "+chain.ChannelRoleName+" tags=rootwatch:managed=true") {
			t.Errorf("after deploy, no role %s in\n%s", chain.ChannelRoleName, snap)
		}
		if s := secretIn(snap); s != "" {
			t.Errorf("snapshot holds %q", s)
		}

		// Status reports every channel healthy (connections AUTHORIZED,
		// destinations ACTIVE, targets as deployed, the role and what
		// else is on it), without a secret.
		rep := status.Check(ctx, a, spec, time.Now())
		channelChecks := 0
		for _, c := range rep.Checks {
			if !strings.HasPrefix(c.Check, "channel") {
				continue
			}
			channelChecks++
			if c.Status != status.OK {
				t.Errorf("status: %s %s: %s", c.Check, c.Status, c.Detail)
			}
			if s := secretIn(c.Detail + c.Fix); s != "" {
				t.Errorf("status %s shows %q", c.Check, s)
			}
		}
		if want := 3*len(cs) + 2; channelChecks != want {
			t.Errorf("status made %d channel checks, want %d", channelChecks, want)
		}

		// Again: nothing to do.
		rec.Reset()
		p2, err := deployOnce(ctx, rec, o)
		if err != nil {
			t.Fatalf("second deploy: %v", err)
		}
		if m := rec.Mutations(); len(m) != 0 {
			t.Fatalf("second deploy made %d mutating calls: %v", len(m), m)
		}
		checkNoSecret(t, "second deploy", p2)

		// Without channel flags: the channels stay, and a note says so.
		rec.Reset()
		p3, err := deployOnce(ctx, rec, opts("alice@example.com"))
		if err != nil {
			t.Fatalf("deploy without channels: %v", err)
		}
		if m := rec.Mutations(); len(m) != 0 {
			t.Errorf("deploy without channels made mutating calls: %v", m)
		}
		if !slices.ContainsFunc(p3.Notes, func(n string) bool { return strings.Contains(n, "channels deployed earlier are left") }) {
			t.Errorf("deploy without channels: notes %q", p3.Notes)
		}

		// Two channels: the other two go, targets first.
		o.Channels = cs[:2]
		p4, err := deployOnce(ctx, rec, o)
		if err != nil {
			t.Fatalf("deploy with two channels: %v", err)
		}
		checkNoSecret(t, "deploy with two channels", p4)
		for _, c := range cs[2:] {
			name := c.Name(strings.TrimSuffix(chain.ChannelPrefix, "-"))
			if _, err := a.Destinations("us-east-1").Destination(ctx, name); !errors.Is(err, cloud.ErrNotFound) {
				t.Errorf("destination %s after deploying without it: %v", name, err)
			}
			if _, err := a.Destinations("us-east-1").Connection(ctx, name); !errors.Is(err, cloud.ErrNotFound) {
				t.Errorf("connection %s after deploying without it: %v", name, err)
			}
		}
		ts, err := a.Events("us-east-1").Targets(ctx, chain.BusName, chain.AlertRulePrefix+rules.All()[0].ID)
		if err != nil || len(ts) != 3 {
			t.Errorf("alert rule targets after deploying two channels: %v %v", ts, err)
		}

		// Destroy: nothing left, channels included.
		dp, err := destroyOnce(ctx, rec, DestroyOptions{})
		if err != nil {
			t.Fatalf("destroy: %v", err)
		}
		checkNoSecret(t, "destroy", dp)
		if left := snapshot(t, a, allRegions(t, a)); len(left) != 0 {
			t.Fatalf("after destroy:\n%s", strings.Join(left, "\n"))
		}
	})
}

// checkNoSecret fails t if the plan's table or JSON holds a test secret.
func checkNoSecret(t *testing.T, what string, p *Plan) {
	t.Helper()
	var table, js bytes.Buffer
	p.WriteTable(&table)
	if err := p.WriteJSON(&js, false, nil); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"table": table.String(), "JSON": js.String()} {
		if s := secretIn(out); s != "" {
			t.Errorf("%s: the plan's %s shows the secret %q:\n%s", what, name, s, out)
		}
	}
}

func TestDeployTooManyChannels(t *testing.T) {
	a := fake.New()
	withTrail(t, a)
	cs := testChannels(t)
	extra, err := channel.Parse(channel.Webhook, testWebhook+"2", nil)
	if err != nil {
		t.Fatal(err)
	}
	o := opts()
	o.Channels = append(cs, extra)
	_, _, err = Prepare(t.Context(), a, o)
	var in *chain.InputError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), "at most 4") {
		t.Errorf("five channels: %v; want an input error", err)
	}
	o.Channels = []channel.Channel{cs[0], cs[0]}
	if _, _, err = Prepare(t.Context(), a, o); !errors.As(err, &in) || secretIn(err.Error()) != "" {
		t.Errorf("a channel twice: %v; want an input error without the secret", err)
	}
}
