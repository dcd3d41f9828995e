package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/fleet"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// orgWorld is an organization to deploy into: the management account's
// credentials, the central account and the members.
type orgWorld struct {
	mgmt    cloud.Account
	central string
	members []string
	fake    *fake.Org // nil on moto
}

const (
	fakeCentral = "111111111111"
	fakeMember  = "222222222222"
	fakeOptIn   = "333333333333" // fewer regions enabled
)

func fakeOrg(t *testing.T) orgWorld {
	w := fake.NewOrg(fake.OrgOptions{})
	w.AddAccount(fake.Options{Account: fakeCentral}, "security")
	w.AddAccount(fake.Options{Account: fakeMember}, "workload")
	w.AddAccount(fake.Options{Account: fakeOptIn, Regions: []string{"us-east-1", "us-west-2"}}, "small")
	withOrgTrail(t, w.Management())
	return orgWorld{mgmt: w.Management(), central: fakeCentral, members: []string{fakeMember, fakeOptIn}, fake: w}
}

// motoOrg is the acceptance test's organization on moto: the management
// account, a central account and a member, made with CreateAccount.
func motoOrg(t *testing.T) orgWorld {
	w := motoOrgNoTrail(t)
	withOrgTrail(t, w.mgmt)
	return w
}

// motoOrgNoTrail is motoOrg without the organization trail.
func motoOrgNoTrail(t *testing.T) orgWorld {
	ep := awstest.Endpoint(t)
	ids, err := awstest.NewOrganization(ep.URL, ep.Creds, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, err := awscloud.ConnectWith(t.Context(), cloud.Config{EndpointURL: ep.URL, Region: "us-east-1"}, awscloud.Options{Credentials: ep.Creds})
	if err != nil {
		t.Fatal(err)
	}
	mgmt := limitedOrg{limitRegions{a, motoRegions}}
	return orgWorld{mgmt: mgmt, central: ids[0], members: ids[1:]}
}

// limitedOrg is limitRegions whose assumed accounts are limited too.
type limitedOrg struct{ limitRegions }

func (l limitedOrg) Org() cloud.Org { return limitedAssume{l.Account.Org(), l.regions} }

type limitedAssume struct {
	cloud.Org
	regions []string
}

func (l limitedAssume) Assume(ctx context.Context, id, role string) (cloud.Account, error) {
	a, err := l.Org.Assume(ctx, id, role)
	if err != nil {
		return nil, err
	}
	return limitRegions{a, l.regions}, nil
}

// withOrgTrail gives the management account an organization trail.
func withOrgTrail(t *testing.T, a cloud.Account) {
	t.Helper()
	ctx := t.Context()
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bucket := "org-trail-" + id.Account
	if err := a.Buckets().CreateBucket(ctx, bucket, "us-east-1", cloudtest.TrailBucketPolicy(bucket, id.Account), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Trails("us-east-1").CreateTrail(ctx, cloud.TrailSpec{Name: "org-trail", Bucket: bucket, Organization: true}); err != nil {
		t.Fatal(err)
	}
}

func orgOpts(central string, emails ...string) OrgOptions {
	return OrgOptions{Options: chain.Options{Regions: []string{"us-east-1", "eu-west-1"}, Emails: emails, Version: "v0.0.0-test"}, Central: central, Workers: 4}
}

func deployOrg(t *testing.T, mgmt cloud.Account, o OrgOptions) *OrgPlan {
	t.Helper()
	p, err := PrepareOrg(t.Context(), mgmt, o)
	if err != nil {
		t.Fatal(err)
	}
	if failed := p.Apply(t.Context()); failed != 0 {
		var b strings.Builder
		p.WriteTable(&b, true)
		t.Fatalf("%d accounts failed:\n%s", failed, b.String())
	}
	return p
}

// forwarderTarget returns the target of an account's forwarding rule in region.
func forwarderTarget(t *testing.T, w orgWorld, id, region string) (cloud.Target, error) {
	t.Helper()
	a, err := (&fleet.Runner{Caller: w.mgmt, CallerID: mgmtID(t, w)}).Open(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := a.Events(region).Targets(t.Context(), "", chain.ForwardRuleName)
	if err != nil {
		return cloud.Target{}, err
	}
	if len(ts) != 1 {
		t.Fatalf("account %s %s: %d forwarding targets, want 1", id, region, len(ts))
	}
	return ts[0], nil
}

func mgmtID(t *testing.T, w orgWorld) string {
	id, err := w.mgmt.Identity(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return id.Account
}

// TestDeployOrg is the organization acceptance test, on the fake and on moto:
// every account, the management and central ones included, forwards from both
// regions straight to the central bus, whose policy admits the organization's
// forwarders; a second deploy changes nothing; a deleted forwarder is repaired
// with only the calls it needs.
func TestDeployOrg(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(t *testing.T) orgWorld
	}{{"fake", fakeOrg}, {"moto", motoOrg}} {
		t.Run(b.name, func(t *testing.T) {
			w := b.open(t)
			ctx := t.Context()
			rec := cloudtest.Record(w.mgmt)
			p := deployOrg(t, rec, orgOpts(w.central, "sec@example.com"))
			if n := len(p.Accounts); n != 2+len(w.members) {
				t.Fatalf("%d accounts planned, want %d", n, 2+len(w.members))
			}
			bus := "arn:aws:events:us-east-1:" + w.central + ":event-bus/" + chain.BusName
			if p.BusARN != bus {
				t.Errorf("central bus = %s, want %s", p.BusARN, bus)
			}
			for _, id := range append([]string{mgmtID(t, w), w.central}, w.members...) {
				for _, region := range []string{"us-east-1", "eu-west-1"} {
					if id == fakeOptIn && region == "eu-west-1" {
						continue // not enabled there
					}
					tg, err := forwarderTarget(t, w, id, region)
					if err != nil {
						t.Errorf("account %s %s: %v", id, region, err)
						continue
					}
					if tg.ARN != bus || tg.RoleARN != "arn:aws:iam::"+id+":role/"+chain.ForwarderRoleName {
						t.Errorf("account %s %s: forwarder targets %s through %s, want the central bus through the account's forwarder role", id, region, tg.ARN, tg.RoleARN)
					}
				}
			}
			ca, err := (&fleet.Runner{Caller: w.mgmt, CallerID: mgmtID(t, w)}).Open(ctx, w.central)
			if err != nil {
				t.Fatal(err)
			}
			cb, err := ca.Events("us-east-1").Bus(ctx, chain.BusName)
			if err != nil {
				t.Fatal(err)
			}
			org, _ := w.mgmt.Org().Describe(ctx)
			if !policy.Same(cb.Policy, chain.CentralBusPolicy("aws", bus, org.ID)) {
				t.Errorf("central bus policy = %s", cb.Policy)
			}

			// Idempotent: the second run plans nothing and makes no mutating call.
			rec.Reset()
			p2 := deployOrg(t, rec, orgOpts(w.central, "sec@example.com"))
			if changing, unchanged, failed := p2.Counts(); changing != 0 || failed != 0 || unchanged != len(p2.Accounts) {
				t.Errorf("second deploy: %d changing, %d unchanged, %d failed", changing, unchanged, failed)
			}
			if m := rec.Mutations(); len(m) != 0 {
				t.Errorf("second deploy made mutating calls: %v", m)
			}

			// Repair: one member's eu-west-1 forwarder deleted; deploy puts back
			// exactly the rule and its target.
			member := w.members[0]
			ma, err := (&fleet.Runner{Caller: w.mgmt, CallerID: mgmtID(t, w)}).Open(ctx, member)
			if err != nil {
				t.Fatal(err)
			}
			ev := ma.Events("eu-west-1")
			if err := ev.RemoveTargets(ctx, "", chain.ForwardRuleName, []string{chain.ForwardTargetID}); err != nil {
				t.Fatal(err)
			}
			if err := ev.DeleteRule(ctx, "", chain.ForwardRuleName); err != nil {
				t.Fatal(err)
			}
			rec.Reset()
			deployOrg(t, rec, orgOpts(w.central))
			want := []string{
				"PutRule " + member + ":eu-west-1 default/" + chain.ForwardRuleName,
				"PutTargets " + member + ":eu-west-1 default/" + chain.ForwardRuleName,
			}
			if got := rec.Mutations(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("repair made %q, want %q", got, want)
			}

			// destroy --org leaves no rootwatch resource in any account.
			d, err := PrepareOrgDestroy(ctx, w.mgmt, OrgDestroyOptions{Workers: 4})
			if err != nil {
				t.Fatal(err)
			}
			if d.Central != w.central {
				t.Errorf("destroy found the central bus in %q, want %s", d.Central, w.central)
			}
			if failed := d.Apply(ctx); failed != 0 {
				t.Fatalf("destroy: %d accounts failed", failed)
			}
			for _, id := range append([]string{mgmtID(t, w), w.central}, w.members...) {
				a, err := (&fleet.Runner{Caller: w.mgmt, CallerID: mgmtID(t, w)}).Open(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				assertNoRootwatch(t, ctx, id, a)
			}
			again, err := PrepareOrgDestroy(ctx, w.mgmt, OrgDestroyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if changing, _, failed := again.Counts(); changing != 0 || failed != 0 {
				t.Errorf("after destroy --org, a second destroy plans changes in %d accounts (%d failed)", changing, failed)
			}
		})
	}
}

// TestDeployOrgDelivers (fake): a member's root sign-in in eu-west-1 reaches
// the central topic's subscriber in one hop, the message naming the member.
func TestDeployOrgDelivers(t *testing.T) {
	w := fakeOrg(t)
	deployOrg(t, w.mgmt, orgOpts(w.central, "sec@example.com"))
	c := w.fake.Account(w.central)
	if _, err := c.ConfirmSubscription("arn:aws:sns:us-east-1:"+w.central+":"+chain.TopicName, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	m := w.fake.Account(fakeMember)
	pos, _ := rules.Fixtures(rules.All()[0].ID)
	ev := strings.ReplaceAll(string(pos[0].Event), `"123456789012"`, `"`+fakeMember+`"`)
	ev = strings.ReplaceAll(ev, `:123456789012:`, `:`+fakeMember+`:`)
	if err := m.Emit("eu-west-1", ev); err != nil {
		t.Fatal(err)
	}
	if f := m.Failures(); len(f) != 0 {
		t.Fatalf("the member's delivery failed: %v", f)
	}
	if f := c.Failures(); len(f) != 0 {
		t.Fatalf("the central delivery failed: %v", f)
	}
	emails := c.Emails()
	if len(emails) != 1 || !strings.Contains(emails[0].Message, fakeMember) {
		t.Fatalf("central e-mails = %+v, want one naming account %s", emails, fakeMember)
	}
}

// TestDeployOrgIsolatesFailures (fake): an account whose role cannot be
// assumed is reported with its reason; every other account is deployed.
func TestDeployOrgIsolatesFailures(t *testing.T) {
	w := fakeOrg(t)
	ctx := t.Context()
	roles := w.fake.Account(fakeOptIn).Roles()
	if err := roles.DeleteRolePolicy(ctx, cloud.DefaultAccessRole, "AdministratorAccess"); err != nil {
		t.Fatal(err)
	}
	if err := roles.DeleteRole(ctx, cloud.DefaultAccessRole); err != nil {
		t.Fatal(err)
	}
	p, err := PrepareOrg(ctx, w.mgmt, orgOpts(w.central))
	if err != nil {
		t.Fatal(err)
	}
	if failed := p.Apply(ctx); failed != 1 {
		t.Errorf("Apply: %d accounts failed, want 1", failed)
	}
	for _, a := range p.Accounts {
		switch {
		case a.Account.ID == fakeOptIn:
			if a.Err == nil || !strings.Contains(a.Err.Error(), "AccessDenied") {
				t.Errorf("account %s: err = %v, want the AssumeRole denial", a.Account.ID, a.Err)
			}
		case a.Err != nil:
			t.Errorf("account %s: %v", a.Account.ID, a.Err)
		case a.Plan.Applied == 0:
			t.Errorf("account %s: nothing applied", a.Account.ID)
		}
	}
	var out strings.Builder
	if err := p.WriteTable(&out, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fakeOptIn+"  small") || !strings.Contains(out.String(), "failed: assume role") || !strings.Contains(out.String(), "1 failed") {
		t.Errorf("the table does not name the failed account and its reason:\n%s", out.String())
	}
}

// TestDeployOrgNeedsOrgTrail: without an organization trail nothing is changed.
func TestDeployOrgNeedsOrgTrail(t *testing.T) {
	w := fake.NewOrg(fake.OrgOptions{})
	w.AddAccount(fake.Options{Account: fakeCentral}, "security")
	withTrail(t, w.Management()) // an ordinary trail of the management account only
	_, err := PrepareOrg(t.Context(), w.Management(), orgOpts(fakeCentral))
	var pe *PreflightError
	if !errors.As(err, &pe) || !strings.Contains(pe.Problem, "organization trail") {
		t.Fatalf("err = %v, want the organization trail pre-flight", err)
	}
}

// assertNoRootwatch fails t if the account holds any resource rootwatch
// deploys, in any enabled region.
func assertNoRootwatch(t *testing.T, ctx context.Context, id string, a cloud.Account) {
	t.Helper()
	regions, err := a.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regions {
		if rs, err := a.Events(r).Rules(ctx, "", "rootwatch-"); err != nil || len(rs) > 0 {
			t.Errorf("account %s %s: rootwatch rules %v (%v)", id, r, rs, err)
		}
		if _, err := a.Events(r).Bus(ctx, chain.BusName); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("account %s %s: bus %s still there (%v)", id, r, chain.BusName, err)
		}
		if _, err := a.Queues(r).Queue(ctx, chain.DLQName); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("account %s %s: queue %s still there (%v)", id, r, chain.DLQName, err)
		}
	}
	if _, err := a.Topics("us-east-1").Topic(ctx, "arn:aws:sns:us-east-1:"+id+":"+chain.TopicName); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("account %s: topic %s still there (%v)", id, chain.TopicName, err)
	}
	if _, err := a.Roles().Role(ctx, chain.ForwarderRoleName); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("account %s: role %s still there (%v)", id, chain.ForwarderRoleName, err)
	}
}

// TestDeployOrgAttachSCP (fake): --attach-scp creates rootwatch's SCP and
// attaches it to the root, after the accounts; a second run changes nothing;
// a foreign policy of that name is not taken over.
func TestDeployOrgAttachSCP(t *testing.T) {
	w := fakeOrg(t)
	ctx := t.Context()
	const content = `{"Version":"2012-10-17","Statement":[{"Sid":"RootwatchProtectRules","Effect":"Deny","Action":["events:DeleteRule"],"Resource":["arn:aws:events:*:*:rule/rootwatch-*"],"Condition":{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/OrganizationAccountAccessRole"]}}}]}`
	o := orgOpts(w.central)
	o.AttachSCP = &SCP{Content: content, Target: w.fake.RootID()}
	deployOrg(t, w.mgmt, o)
	org := w.mgmt.Org()
	ps, err := org.Policies(ctx)
	if err != nil || len(ps) != 1 || ps[0].Name != SCPName {
		t.Fatalf("policies = %+v (%v), want %s", ps, err, SCPName)
	}
	targets, err := org.PolicyTargets(ctx, ps[0].ID)
	if err != nil || len(targets) != 1 || targets[0] != w.fake.RootID() {
		t.Errorf("%s is attached to %v (%v), want the root", SCPName, targets, err)
	}
	p, err := PrepareOrg(ctx, w.mgmt, o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Pending() {
		t.Errorf("a second deploy --attach-scp has changes: %+v", p.OrgChanges)
	}
	d, err := PrepareOrgDestroy(ctx, w.mgmt, OrgDestroyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if failed := d.Apply(ctx); failed != 0 {
		t.Fatalf("destroy --org: %d failed (%v)", failed, d.OrgErr)
	}
	if ps, err := org.Policies(ctx); err != nil || len(ps) != 0 {
		t.Errorf("after destroy --org, policies = %+v (%v), want none", ps, err)
	}

	other := fakeOrg(t)
	if _, err := other.mgmt.Org().CreatePolicy(ctx, cloud.OrgPolicy{Name: SCPName, Content: content}); err != nil {
		t.Fatal(err)
	}
	o.AttachSCP.Target = other.fake.RootID()
	if _, err := PrepareOrg(ctx, other.mgmt, o); err == nil || !strings.Contains(err.Error(), "not created by rootwatch") {
		t.Errorf("with a foreign %s: err = %v", SCPName, err)
	}
}

// TestDeployOrgCreateTrail: without an organization trail, --create-trail
// creates one in the management account, with its bucket, before anything
// else; a second run changes nothing. On the fake and on moto.
func TestDeployOrgCreateTrail(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(t *testing.T) orgWorld
	}{
		{"fake", func(t *testing.T) orgWorld {
			w := fake.NewOrg(fake.OrgOptions{})
			w.AddAccount(fake.Options{Account: fakeCentral}, "security")
			return orgWorld{mgmt: w.Management(), central: fakeCentral, fake: w}
		}},
		{"moto", motoOrgNoTrail},
	} {
		t.Run(b.name, func(t *testing.T) {
			w := b.open(t)
			o := orgOpts(w.central)
			o.CreateTrail = true
			p := deployOrg(t, w.mgmt, o)
			if len(p.TrailChanges) != 2 {
				t.Errorf("trail changes = %+v, want the bucket and the trail", p.TrailChanges)
			}
			trails, err := w.mgmt.Trails("us-east-1").Trails(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(trails, func(tr cloud.Trail) bool { return tr.Name == chain.TrailName })
			if i < 0 || !trails[i].Organization || !trails[i].Logging {
				t.Fatalf("trails = %+v, want the logging organization trail %s", trails, chain.TrailName)
			}
			p2, err := PrepareOrg(t.Context(), w.mgmt, o)
			if err != nil {
				t.Fatal(err)
			}
			if p2.Pending() || len(p2.TrailChanges) != 0 {
				t.Errorf("second deploy --create-trail plans %+v", p2.TrailChanges)
			}
		})
	}
}
