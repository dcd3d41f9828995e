package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/fleet"
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
	ep := awstest.Endpoint(t)
	ids, err := awstest.NewOrganization(ep.URL, awstest.Creds{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, err := awscloud.Connect(t.Context(), cloud.Config{EndpointURL: ep.URL, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	mgmt := limitedOrg{limitRegions{a, motoRegions}}
	withOrgTrail(t, mgmt)
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
	return OrgOptions{Options: Options{Regions: []string{"us-east-1", "eu-west-1"}, Emails: emails, Version: "v0.0.0-test"}, Central: central, Workers: 4}
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
	ts, err := a.Events(region).Targets(t.Context(), "", ForwardRuleName)
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
			bus := "arn:aws:events:us-east-1:" + w.central + ":event-bus/" + BusName
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
					if tg.ARN != bus || tg.RoleARN != "arn:aws:iam::"+id+":role/"+ForwarderRoleName {
						t.Errorf("account %s %s: forwarder targets %s through %s, want the central bus through the account's forwarder role", id, region, tg.ARN, tg.RoleARN)
					}
				}
			}
			ca, err := (&fleet.Runner{Caller: w.mgmt, CallerID: mgmtID(t, w)}).Open(ctx, w.central)
			if err != nil {
				t.Fatal(err)
			}
			cb, err := ca.Events("us-east-1").Bus(ctx, BusName)
			if err != nil {
				t.Fatal(err)
			}
			org, _ := w.mgmt.Org().Describe(ctx)
			if !SamePolicy(cb.Policy, CentralBusPolicy("aws", bus, org.ID)) {
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
			if err := ev.RemoveTargets(ctx, "", ForwardRuleName, []string{ForwardTargetID}); err != nil {
				t.Fatal(err)
			}
			if err := ev.DeleteRule(ctx, "", ForwardRuleName); err != nil {
				t.Fatal(err)
			}
			rec.Reset()
			deployOrg(t, rec, orgOpts(w.central))
			want := []string{
				"PutRule " + member + ":eu-west-1 default/" + ForwardRuleName,
				"PutTargets " + member + ":eu-west-1 default/" + ForwardRuleName,
			}
			if got := rec.Mutations(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("repair made %q, want %q", got, want)
			}
		})
	}
}
