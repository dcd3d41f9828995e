package cfn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cfn"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
	"github.com/rootwatch/rootwatch/internal/selftest"
	"github.com/rootwatch/rootwatch/internal/status"
)

func fakeWithTrail(t *testing.T) *fake.Account {
	t.Helper()
	a := fake.New()
	if err := a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	return a
}

// createStacks creates the manifest's stacks on the fake, whose CloudFormation
// applies each template's resources through the account's own services.
func createStacks(t *testing.T, a *fake.Account, e cfn.Export) {
	t.Helper()
	bodies := map[string][]byte{}
	for f, tmpl := range e.Templates() {
		bodies[f] = tmpl.JSON()
	}
	for _, s := range e.Manifest.Stacks {
		for _, r := range s.Regions {
			if _, err := a.Stacks(r).CreateStack(t.Context(), cloud.StackInput{Name: s.Name, Template: string(bodies[s.Template]), Parameters: s.Parameters, Capabilities: s.Capabilities, Tags: s.Tags}); err != nil {
				t.Fatal(err)
			}
			st, err := a.Stacks(r).Stack(t.Context(), s.Name)
			if err != nil || st.Status != "CREATE_COMPLETE" {
				ev, _ := a.Stacks(r).Events(t.Context(), s.Name)
				t.Fatalf("stack %s in %s: %+v, %v; events %+v", s.Name, r, st, err, ev)
			}
		}
	}
}

// TestStackDeployedChainWorks: the chain the templates create (in the fake,
// which enforces the policies and delivers) is healthy for status, unchanged,
// and delivers root activity from every region to the subscriber: the
// templates' topic policy, role trust and permissions, and queue policies do
// what deploy's do. Status names the stacks that manage it.
func TestStackDeployedChainWorks(t *testing.T) {
	ctx := t.Context()
	a := fakeWithTrail(t)
	o := cfn.Options{HomeRegion: "us-east-1", Regions: []string{"us-east-1", "eu-west-1"}, Emails: []string{"sec@example.com"}, Version: "v-test"}
	e, err := cfn.Render(o)
	if err != nil {
		t.Fatal(err)
	}
	createStacks(t, a, e)
	spec, err := chain.Desired(cloud.Identity{Account: a.ID(), Partition: "aws"}, e.Manifest.Regions, chain.Options{HomeRegion: o.HomeRegion, Regions: o.Regions, Emails: o.Emails, Version: o.Version})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConfirmSubscription(spec.Topic.ARN, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	rep := status.Check(ctx, a, spec, time.Now())
	for _, c := range rep.Checks {
		if c.Status != status.OK {
			t.Errorf("status: %s %s %s: %s", c.Region, c.Check, c.Status, c.Detail)
		}
	}
	if diff := cmp.Diff([]status.StackRef{{Name: cfn.ForwarderStackName, Region: "eu-west-1"}, {Name: cfn.HomeStackName, Region: "us-east-1"}}, rep.Stacks); diff != "" {
		t.Errorf("stacks status names (-want +got):\n%s", diff)
	}

	// Root activity in each region reaches the subscriber.
	pos, _ := rules.Fixtures("root-console-signin-no-mfa")
	for i, r := range e.Manifest.Regions {
		if err := a.Emit(r, string(pos[0].Event)); err != nil {
			t.Fatal(err)
		}
		if got := len(a.Emails()); got != i+1 {
			t.Fatalf("after a root sign-in in %s: %d e-mails; failures %v", r, got, a.Failures())
		}
	}
	if f := a.Failures(); len(f) != 0 {
		t.Errorf("delivery failures: %v", f)
	}

	// rootwatch test passes on it, unchanged.
	res, err := selftest.Run(ctx, a, spec, selftest.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() {
		t.Errorf("rootwatch test on the stack-deployed chain: %+v", res)
	}

	// An API deploy over the stacks has nothing to change: same names,
	// patterns, targets, policies.
	plan, _, err := deploy.Prepare(ctx, a, chain.Options{HomeRegion: o.HomeRegion, Regions: o.Regions, Emails: o.Emails, Version: o.Version})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Changes {
		if c.Action != deploy.Unchanged {
			t.Errorf("API deploy over the stacks would %s %s %s in %s: %s", c.Action, c.Resource, c.Name, c.Region, c.Detail)
		}
	}

	// delete-stack removes everything the stacks created.
	for _, s := range e.Manifest.Stacks {
		for _, r := range s.Regions {
			if err := a.Stacks(r).DeleteStack(ctx, s.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, r := range e.Manifest.Regions {
		if rs, err := a.Events(r).Rules(ctx, cloud.DefaultBus, "rootwatch-"); err != nil || len(rs) != 0 {
			t.Errorf("%s after delete-stack: rules %v, %v", r, rs, err)
		}
	}
	if _, err := a.Roles().Role(ctx, chain.ForwarderRoleName); err == nil {
		t.Error("the role survived delete-stack")
	}
}

// TestDeployViaCloudFormation: deploy --via cloudformation on the fake
// creates the stacks, a second run finds nothing to change, and a stack that
// fails is rolled back and reported with the event that says why.
func TestDeployViaCloudFormation(t *testing.T) {
	ctx := t.Context()
	a := fakeWithTrail(t)
	o := chain.Options{HomeRegion: "us-east-1", Regions: []string{"eu-west-1"}, Version: "v-test"}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	apply := func() *deploy.StackPlan {
		t.Helper()
		p, err := deploy.PrepareStacks(ctx, a, a, o, now)
		if err != nil {
			t.Fatal(err)
		}
		p.Poll = time.Millisecond
		if err := p.Apply(ctx, now); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := apply()
	// The home stack, eu-west-1's forwarder stack and the watch stack.
	if c, u := p.Counts(); c != 3 || u != 0 || p.Applied != 3 {
		t.Fatalf("first deploy: %d changes, %d unchanged, %d applied", c, u, p.Applied)
	}
	p = apply()
	if c, u := p.Counts(); c != 0 || u != 3 {
		t.Errorf("second deploy: %d changes, %d unchanged; want nothing to do", c, u)
	}
	spec, err := chain.Desired(cloud.Identity{Account: a.ID(), Partition: "aws"}, []string{"eu-west-1", "us-east-1"}, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range status.Check(ctx, a, spec, time.Now()).Checks {
		if c.Status != status.OK && c.Check != "subscriptions" { // no --email: nobody subscribed, as status says
			t.Errorf("status: %s %s %s: %s", c.Region, c.Check, c.Status, c.Detail)
		}
	}

	// Another account, where a role of the forwarder role's name exists
	// outside the stack: the home stack fails and rolls back, and the
	// forwarder stacks are not attempted.
	b := fakeWithTrail(t)
	if _, err := b.Roles().CreateRole(ctx, cloud.Role{Name: chain.ForwarderRoleName, Trust: `{"Version":"2012-10-17","Statement":[]}`}); err != nil {
		t.Fatal(err)
	}
	p2, err := deploy.PrepareStacks(ctx, b, b, o, now)
	if err != nil {
		t.Fatal(err)
	}
	p2.Poll = time.Millisecond
	err = p2.Apply(context.Background(), now)
	var se *deploy.StackError
	if !asStackError(err, &se) || se.Stack != cfn.HomeStackName || se.Status != "ROLLBACK_COMPLETE" || len(se.Failed) != 1 || se.Failed[0].LogicalID != "ForwarderRole" || !strings.Contains(se.Failed[0].StatusReason, "already exists") {
		t.Fatalf("Apply: %v (%+v)", err, se)
	}
	if _, err := b.Stacks("eu-west-1").Stack(ctx, cfn.ForwarderStackName); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("forwarder stack after the home stack failed: %v", err)
	}
	if _, err := b.Events("us-east-1").Bus(ctx, chain.BusName); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("bus after rollback: %v", err)
	}
	t.Logf("reported as: %v", err)
}

func asStackError(err error, se **deploy.StackError) bool { return errors.As(err, se) }

// TestDestroyStackDeployedChain: destroy finds a stack-deployed chain by
// deploy's names and tags and removes all of it; deleting the stacks
// afterwards still succeeds.
func TestDestroyStackDeployedChain(t *testing.T) {
	ctx := t.Context()
	a := fakeWithTrail(t)
	e, err := cfn.Render(cfn.Options{HomeRegion: "us-east-1", Regions: []string{"us-east-1", "eu-west-1"}, Emails: []string{"sec@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	createStacks(t, a, e)
	p, err := deploy.PlanDestroy(ctx, a, deploy.DestroyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Action == deploy.Keep {
			t.Errorf("destroy kept %s %s in %s: %s", c.Resource, c.Name, c.Region, c.Detail)
		}
	}
	for _, r := range e.Manifest.Regions {
		if rs, err := a.Events(r).Rules(ctx, cloud.DefaultBus, "rootwatch-"); err != nil || len(rs) != 0 {
			t.Errorf("%s after destroy: rules %v, %v", r, rs, err)
		}
		if _, err := a.Queues(r).Queue(ctx, chain.DLQName); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("%s after destroy: queue %v", r, err)
		}
	}
	if _, err := a.Events("us-east-1").Bus(ctx, chain.BusName); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("bus after destroy: %v", err)
	}
	if al, err := a.Alarms("us-east-1").Alarms(ctx, chain.AlarmPrefix); err != nil || len(al) != 0 {
		t.Errorf("alarms after destroy: %d, %v", len(al), err)
	}
	for _, s := range e.Manifest.Stacks {
		for _, r := range s.Regions {
			if err := a.Stacks(r).DeleteStack(ctx, s.Name); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Stacks(r).Stack(ctx, s.Name); !errors.Is(err, cloud.ErrNotFound) {
				t.Errorf("stack %s in %s after delete-stack: %v", s.Name, r, err)
			}
		}
	}
}

// TestDeployViaCloudFormationOverAPIChain: CloudFormation cannot take over
// resources by name, so deploy --via cloudformation refuses, before any
// change, where the API path has deployed the chain, and says what to do.
func TestDeployViaCloudFormationOverAPIChain(t *testing.T) {
	ctx := t.Context()
	a := fakeWithTrail(t)
	o := chain.Options{HomeRegion: "us-east-1", Regions: []string{"eu-west-1"}}
	p, _, err := deploy.Prepare(ctx, a, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = deploy.PrepareStacks(ctx, a, a, o, time.Now())
	var pe *deploy.PreflightError
	if !errors.As(err, &pe) || !strings.Contains(pe.Problem, "exists outside CloudFormation") || !strings.Contains(pe.Hint, "rootwatch destroy") {
		t.Fatalf("PrepareStacks over an API-deployed chain: %v", err)
	}
	if _, err := a.Stacks("us-east-1").Stack(ctx, cfn.HomeStackName); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("a stack was created: %v", err)
	}
}

// TestOrgStackDeployedChainWorks: the --org templates, created as the
// manifest says in an organization of fake accounts (which enforce the
// central bus's policy and deliver across accounts), give the central bus
// deploy --org's policy (which moto ignores), leave deploy --org nothing to
// change in a member, and carry a root sign-in in a member's region and in
// the management account to the central topic's subscriber. The fake has no
// StackSets: the StackSet's template is created as a stack in each region of
// the member, as a StackSet instance is.
func TestOrgStackDeployedChainWorks(t *testing.T) {
	ctx := t.Context()
	const mgmtID, centralID, memberID = "111111111111", "222222222222", "333333333333"
	w := fake.NewOrg(fake.OrgOptions{Management: fake.Options{Account: mgmtID}})
	central := w.AddAccount(fake.Options{Account: centralID}, "security")
	member := w.AddAccount(fake.Options{Account: memberID}, "workload")
	o := cfn.OrgOptions{
		Options:        cfn.Options{HomeRegion: "us-east-1", Regions: []string{"us-east-1", "eu-west-1"}, Emails: []string{"sec@example.com"}, Version: "v-test"},
		OrganizationID: w.ID(), Management: mgmtID, Central: centralID, Units: []string{w.RootID()},
	}
	e, err := cfn.RenderOrg(o)
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string][]byte{}
	for f, tmpl := range e.Templates() {
		bodies[f] = tmpl.JSON()
	}
	create := func(a *fake.Account, name, file string, regions []string, params map[string]string, caps []string, tags map[string]string) {
		t.Helper()
		for _, r := range regions {
			if _, err := a.Stacks(r).CreateStack(ctx, cloud.StackInput{Name: name, Template: string(bodies[file]), Parameters: params, Capabilities: caps, Tags: tags}); err != nil {
				t.Fatal(err)
			}
			if st, err := a.Stacks(r).Stack(ctx, name); err != nil || st.Status != "CREATE_COMPLETE" {
				ev, _ := a.Stacks(r).Events(ctx, name)
				t.Fatalf("stack %s in %s of %s: %+v, %v; events %+v", name, r, a.ID(), st, err, ev)
			}
		}
	}
	for _, s := range e.Manifest.Stacks {
		create(w.Account(s.Account), s.Name, s.Template, s.Regions, s.Parameters, s.Capabilities, s.Tags)
	}
	set := e.Manifest.StackSets[0]
	create(member, "StackSet-"+set.Name, set.Template, set.Regions, set.Parameters, set.Capabilities, set.Tags)

	// The central bus's policy is deploy --org's.
	cspec, err := chain.Desired(cloud.Identity{Account: centralID, Partition: "aws"}, e.Manifest.Regions, chain.Options{HomeRegion: o.HomeRegion, Regions: o.Regions, Emails: o.Emails, Version: o.Version})
	if err != nil {
		t.Fatal(err)
	}
	cspec = cspec.WithOrg(w.ID())
	b, err := central.Events(o.HomeRegion).Bus(ctx, chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	if !policy.Same(b.Policy, cspec.Bus.Policy) {
		t.Errorf("central bus policy:\n%s\nwant deploy --org's:\n%s", b.Policy, cspec.Bus.Policy)
	}

	// deploy --org has nothing to change in the member (one role, created
	// by the home region's stack only).
	mspec, _ := chain.MemberSpec(cspec, cloud.Identity{Account: memberID, Partition: "aws"}, e.Manifest.Regions, o.Regions)
	plan, err := deploy.PlanMember(ctx, member, mspec)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Changes {
		if c.Action != deploy.Unchanged {
			t.Errorf("deploy --org over the member's stacks would %s %s %s in %s: %s", c.Action, c.Resource, c.Name, c.Region, c.Detail)
		}
	}

	// Root activity in the member's regions and the management account
	// reaches the central subscriber.
	if _, err := central.ConfirmSubscription(cspec.Topic.ARN, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	pos, _ := rules.Fixtures("root-console-signin-no-mfa")
	n := 0
	for _, src := range []struct {
		a      *fake.Account
		region string
	}{{member, "eu-west-1"}, {member, "us-east-1"}, {w.Account(mgmtID), "eu-west-1"}} {
		ev := strings.ReplaceAll(string(pos[0].Event), "123456789012", src.a.ID())
		if err := src.a.Emit(src.region, ev); err != nil {
			t.Fatal(err)
		}
		n++
		if got := len(central.Emails()); got != n {
			t.Fatalf("after a root sign-in in %s of %s: %d e-mails, want %d; failures %v %v", src.region, src.a.ID(), got, n, src.a.Failures(), central.Failures())
		}
	}
}
