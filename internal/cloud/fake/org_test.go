package fake_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"

	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// newOrg is an organization of a management account and two members.
func newOrg() *fake.Org {
	w := fake.NewOrg(fake.OrgOptions{})
	w.AddAccount(fake.Options{Account: "111111111111"}, "member-a")
	w.AddAccount(fake.Options{Account: "222222222222"}, "member-b")
	return w
}

func TestOrgConformance(t *testing.T) {
	cloudtest.RunOrg(t, func(t *testing.T) cloudtest.OrgWorld {
		return cloudtest.OrgWorld{Management: newOrg().Management(), Members: []string{"111111111111", "222222222222"}}
	}, nil)
}

const (
	central  = "111111111111"
	member   = "222222222222"
	stranger = "999999999999"
)

// centralBus is the central bus's ARN.
const centralBus = "arn:aws:events:us-east-1:" + central + ":event-bus/rootwatch"

// orgBusPolicy is the central bus policy of organization mode: PutEvents for
// the organization's rootwatch-forwarder roles only.
const orgBusPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"RootwatchOrgForwarders","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"` + centralBus + `",` +
	`"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-exampleorgid"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/rootwatch-forwarder"}}}]}`

// world is an organization with a central account whose bus rootwatch
// collects into an SQS queue, a member, and an account outside it.
type world struct {
	org      *fake.Org
	inbox    string // the central queue's URL
	centralA *fake.Account
}

func newWorld(t *testing.T) world {
	t.Helper()
	ctx := context.Background()
	w := fake.NewOrg(fake.OrgOptions{})
	c := w.AddAccount(fake.Options{Account: central}, "security")
	w.AddAccount(fake.Options{Account: member}, "workload")
	w.AddExternal(fake.Options{Account: stranger})
	ev := c.Events(home)
	if _, err := ev.CreateBus(ctx, "rootwatch", nil); err != nil {
		t.Fatal(err)
	}
	if err := ev.SetBusPolicy(ctx, "rootwatch", orgBusPolicy); err != nil {
		t.Fatal(err)
	}
	q, err := c.Queues(home).CreateQueue(ctx, "inbox", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ruleARN, err := ev.PutRule(ctx, cloud.Rule{Name: "inbox", Bus: "rootwatch", Pattern: rootPattern})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Queues(home).SetQueuePolicy(ctx, q.URL, `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"`+q.ARN+`","Condition":{"ArnEquals":{"aws:SourceArn":"`+ruleARN+`"}}}]}`); err != nil {
		t.Fatal(err)
	}
	if err := ev.PutTargets(ctx, "rootwatch", "inbox", []cloud.Target{{ID: "inbox", ARN: q.ARN}}); err != nil {
		t.Fatal(err)
	}
	return world{org: w, inbox: q.URL, centralA: c}
}

// forwarder sets up, in account a, a role named role that EventBridge may
// assume and that may put events on target, and a rule on region's default bus
// matching root activity that sends to target through it.
func forwarder(t *testing.T, a *fake.Account, region, role, target string) {
	t.Helper()
	ctx := context.Background()
	arn, err := a.Roles().CreateRole(ctx, cloud.Role{Name: role,
		Trust: `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"` + a.ID() + `"}}}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Roles().PutRolePolicy(ctx, role, "put", `{"Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"`+target+`"}]}`); err != nil {
		t.Fatal(err)
	}
	ev := a.Events(region)
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: "rootwatch-forward", Pattern: rootPattern, State: cloud.RuleEnabledAllManagement}); err != nil {
		t.Fatal(err)
	}
	if err := ev.PutTargets(ctx, "", "rootwatch-forward", []cloud.Target{{ID: "central", ARN: target, RoleARN: arn}}); err != nil {
		t.Fatal(err)
	}
}

func (w world) inboxCount(t *testing.T) int {
	t.Helper()
	ms, err := w.centralA.Queues(home).Receive(context.Background(), w.inbox, 10, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// TestCentralBusAdmitsForwarders: a member's rootwatch-forwarder, in any
// region, delivers a root sign-in to the central bus in one hop, the envelope
// kept as AWS keeps it.
func TestCentralBusAdmitsForwarders(t *testing.T) {
	w := newWorld(t)
	m := w.org.Account(member)
	forwarder(t, m, remote, "rootwatch-forwarder", centralBus)
	ev := strings.ReplaceAll(signIn, "123456789012", member)
	if err := m.Emit(remote, ev); err != nil {
		t.Fatal(err)
	}
	if f := m.Failures(); len(f) != 0 {
		t.Fatalf("failures: %v", f)
	}
	ms, err := w.centralA.Queues(home).Receive(context.Background(), w.inbox, 10, 0, 0)
	if err != nil || len(ms) != 1 {
		t.Fatalf("central inbox = %d messages (%v), want 1", len(ms), err)
	}
	if !strings.Contains(ms[0].Body, `"account":"`+member+`"`) || !strings.Contains(ms[0].Body, `"region":"eu-west-1"`) {
		t.Errorf("the central bus got %s; want the member's own envelope (account, region)", ms[0].Body)
	}
}

// TestCentralBusRefuses: the central bus policy refuses every sender but the
// organization's rootwatch-forwarder roles, as AWS evaluates it.
func TestCentralBusRefuses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		account string
		role    string // the forwarding rule's role; "" for a PutEvents call
		caller  func(w world) (cloud.Account, error)
	}{
		{name: "a member role with another name", account: member, role: "rootwatch-forwarder-x"},
		{name: "an outside account's rootwatch-forwarder", account: stranger, role: "rootwatch-forwarder"},
		{name: "a member's administrator calling PutEvents", caller: func(w world) (cloud.Account, error) {
			return w.org.Management().Org().Assume(ctx, member, cloud.DefaultAccessRole)
		}},
		{name: "the management account's user calling PutEvents", caller: func(w world) (cloud.Account, error) {
			return w.org.Management(), nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.caller != nil {
				a, err := tt.caller(w)
				if err != nil {
					t.Fatal(err)
				}
				err = a.Events(home).PutEvents(ctx, centralBus, []cloud.Event{{Source: "evil", DetailType: "fake alert", Detail: `{"userIdentity":{"type":"Root"}}`}})
				if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
					t.Errorf("PutEvents on the central bus: err = %v, want AccessDeniedException", err)
				}
			} else {
				a := w.org.Account(tt.account)
				forwarder(t, a, home, tt.role, centralBus)
				if err := a.Emit(home, strings.ReplaceAll(signIn, "123456789012", tt.account)); err != nil {
					t.Fatal(err)
				}
				f := a.Failures()
				if len(f) != 1 || !strings.Contains(f[0].Err.Error(), "AccessDeniedException") {
					t.Errorf("failures = %v, want one AccessDeniedException from the bus policy", f)
				}
			}
			if n := w.inboxCount(t); n != 0 {
				t.Errorf("the central inbox has %d messages, want none", n)
			}
		})
	}
}

// TestThirdBusDropped: a member that forwards to its own home bus, which
// forwards on to the central bus, loses the event there, as on AWS: an event
// that arrived from another bus does not go on to a third. Hence one hop.
func TestThirdBusDropped(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	m := w.org.Account(member)
	if _, err := m.Events(home).CreateBus(ctx, "rootwatch", nil); err != nil {
		t.Fatal(err)
	}
	localBus := "arn:aws:events:us-east-1:" + member + ":event-bus/rootwatch"
	forwarder(t, m, remote, "rootwatch-forwarder", localBus) // remote default → member's home bus
	roleARN := "arn:aws:iam::" + member + ":role/rootwatch-forwarder"
	if err := m.Roles().PutRolePolicy(ctx, "rootwatch-forwarder", "central", `{"Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"`+centralBus+`"}]}`); err != nil {
		t.Fatal(err)
	}
	ev := m.Events(home)
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: "on-to-central", Bus: "rootwatch", Pattern: rootPattern}); err != nil {
		t.Fatal(err)
	}
	if err := ev.PutTargets(ctx, "rootwatch", "on-to-central", []cloud.Target{{ID: "central", ARN: centralBus, RoleARN: roleARN}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Emit(remote, strings.ReplaceAll(signIn, "123456789012", member)); err != nil {
		t.Fatal(err)
	}
	f := m.Failures()
	if len(f) != 1 || !strings.Contains(f[0].Err.Error(), "third event bus") || f[0].Target != centralBus {
		t.Errorf("failures = %v, want the second hop to the central bus dropped", f)
	}
	if n := w.inboxCount(t); n != 0 {
		t.Errorf("the central inbox has %d messages, want none: the event went through two hops", n)
	}
}

// TestAssumeChecksTrust: AssumeRole needs the role to exist and to trust the
// caller.
func TestAssumeChecksTrust(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if _, err := w.org.Management().Org().Assume(ctx, member, "rootwatch-nope"); err == nil {
		t.Error("assumed a role that does not exist")
	}
	outsider := w.org.Account(stranger)
	if _, err := outsider.Org().Assume(ctx, member, cloud.DefaultAccessRole); err == nil {
		t.Error("an outside account assumed OrganizationAccountAccessRole, which trusts only the management account")
	}
	a, err := w.org.Management().Org().Assume(ctx, member, cloud.DefaultAccessRole)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Org().Accounts(ctx); err == nil {
		t.Error("a member listed the organization's accounts")
	}
}
