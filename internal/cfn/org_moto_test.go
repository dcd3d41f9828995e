package cfn_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cfn"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// TestOrgStackSetForwarders is acceptance 2 of issue 11: the --org
// templates, deployed as the manifest says on moto (the central account's
// stacks, then the member template through a SERVICE_MANAGED StackSet to the
// accounts of an OU in two regions, and as stacks in the management
// account), give every member account in every region the forwarding rule
// deploy --org gives it (chain.MemberSpec applied by deploy.PlanMember in
// another account), targeting the central bus ARN, compared through the
// EventBridge API. (moto deploys SERVICE_MANAGED instances by OU but does
// not implement automatic deployment, and ignores AWS::Events::EventBusPolicy:
// both asserted below so that the test notices when that changes.)
func TestOrgStackSetForwarders(t *testing.T) {
	ep := motoEndpoint(t)
	c, err := awstest.NewAccount(ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	mgmt := c.Account
	creds := &cloud.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	accts, err := awstest.NewOrganization(ep.URL, creds, 3)
	if err != nil {
		t.Fatal(err)
	}
	members, central := accts[:2], accts[2] // the central account stays outside the OU
	ou, err := awstest.NewUnit(ep.URL, creds, "workloads", members)
	if err != nil {
		t.Fatal(err)
	}
	ma := motoAccount(t, ep, mgmt)
	org, err := ma.Org().Describe(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	o := cfn.OrgOptions{
		Options:        cfn.Options{HomeRegion: "us-east-1", Regions: []string{"us-east-1", "eu-west-1"}, Emails: []string{"sec@example.com"}, Version: "v-test"},
		OrganizationID: org.ID, Management: mgmt, Central: central, Units: []string{ou},
	}
	e, err := cfn.RenderOrg(o)
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{}
	for f, tmpl := range e.Templates() {
		bodies[f] = string(tmpl.JSON())
	}

	// Order 1 and 2: the stacks (the central account's, the management
	// account's member stacks), then the StackSet.
	for _, s := range e.Manifest.Stacks {
		a := motoAccount(t, ep, s.Account)
		for _, r := range s.Regions {
			st := a.Stacks(r)
			if _, err := st.CreateStack(t.Context(), cloud.StackInput{Name: s.Name, Template: bodies[s.Template], Parameters: s.Parameters, Capabilities: s.Capabilities, Tags: s.Tags}); err != nil {
				t.Fatal(err)
			}
			if got := waitStack(t, st, s.Name); got.Status != "CREATE_COMPLETE" {
				t.Fatalf("stack %s in %s of %s: %s %s", s.Name, r, s.Account, got.Status, got.StatusReason)
			}
		}
	}
	if len(e.Manifest.StackSets) != 1 {
		t.Fatalf("%d StackSets in the manifest", len(e.Manifest.StackSets))
	}
	set := e.Manifest.StackSets[0]
	if set.AdministratorAccount != mgmt {
		t.Fatalf("StackSet administered from %s, want the management account %s", set.AdministratorAccount, mgmt)
	}
	ss := ma.StackSets(set.AdministrationRegion)
	if _, err := ss.CreateStackSet(t.Context(), cloud.StackSetInput{
		StackInput:     cloud.StackInput{Name: set.Name, Template: bodies[set.Template], Parameters: set.Parameters, Capabilities: set.Capabilities, Tags: set.Tags},
		ServiceManaged: set.PermissionModel == "SERVICE_MANAGED",
		AutoDeploy:     set.AutoDeployment.Enabled,
	}); err != nil {
		t.Fatal(err)
	}
	op, err := ss.AddInstances(t.Context(), set.Name, nil, set.OrganizationalUnits, set.Regions)
	if err != nil {
		t.Fatal(err)
	}
	if status, reason, err := ss.Operation(t.Context(), set.Name, op); err != nil || status != "SUCCEEDED" {
		t.Fatalf("operation %s: %s %s %v", op, status, reason, err)
	}
	inst, err := ss.Instances(t.Context(), set.Name)
	if err != nil {
		t.Fatal(err)
	}
	// (moto leaves an instance's OrganizationalUnitId empty.)
	var got []string
	for _, i := range inst {
		got = append(got, i.Account+"/"+i.Region)
	}
	var want []string
	for _, m := range members {
		for _, r := range set.Regions {
			want = append(want, m+"/"+r)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StackSet instances (-want +got):\n%s", diff)
	}

	// What deploy --org creates in a member account: its MemberSpec, applied
	// through the API in an account of its own.
	busARN := "arn:aws:events:us-east-1:" + central + ":event-bus/" + chain.BusName
	cspec, err := chain.Desired(cloud.Identity{Account: central, Partition: "aws"}, e.Manifest.Regions, chain.Options{HomeRegion: o.HomeRegion, Regions: o.Regions, Emails: o.Emails, Version: o.Version})
	if err != nil {
		t.Fatal(err)
	}
	cspec = cspec.WithOrg(org.ID)
	const apiAcct = "666666666666"
	aa := motoAccount(t, ep, apiAcct)
	spec, missing := chain.MemberSpec(cspec, cloud.Identity{Account: apiAcct, Partition: "aws"}, e.Manifest.Regions, o.Regions)
	if len(missing) > 0 {
		t.Fatalf("regions missing: %v", missing)
	}
	plan, err := deploy.PlanMember(t.Context(), aa, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantView := memberView(t, aa, apiAcct, e.Manifest.Regions)
	if len(wantView) != len(e.Manifest.Regions) {
		t.Fatalf("deploy --org's member has %d rootwatch rules, want one per region: %v", len(wantView), wantView)
	}
	wantRole := roleView(t, aa, apiAcct)

	// Every account the manifest covers besides the central one: the
	// StackSet's members and the management account's stacks.
	for _, m := range append(slices.Clone(members), mgmt) {
		a := motoAccount(t, ep, m)
		gotView := memberView(t, a, m, e.Manifest.Regions)
		if diff := cmp.Diff(wantView, gotView); diff != "" {
			t.Errorf("account %s: forwarding rules and targets (-deploy --org +StackSet):\n%s", m, diff)
		}
		for k, v := range gotView {
			if len(v.Targets) != 1 || v.Targets[0].ARN != busARN {
				t.Errorf("account %s, %s: targets %+v, want the central bus %s", m, k, v.Targets, busARN)
			}
		}
		if diff := cmp.Diff(wantRole, roleView(t, a, m)); diff != "" {
			t.Errorf("account %s: role (-deploy --org +StackSet):\n%s", m, diff)
		}
		if _, err := a.Events(o.HomeRegion).Bus(t.Context(), chain.BusName); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("account %s: a rootwatch bus (%v): members have none", m, err)
		}
	}

	// The central account: its own chain, forwarding to its bus; and the
	// bus policy, which moto ignores (asserted, to notice when it stops).
	ca := motoAccount(t, ep, central)
	for _, r := range e.Manifest.Regions {
		tg, err := ca.Events(r).Targets(t.Context(), cloud.DefaultBus, chain.ForwardRuleName)
		if err != nil || len(tg) != 1 || tg[0].ARN != busARN {
			t.Errorf("central account, %s: forwarding targets %+v, %v; want the central bus", r, tg, err)
		}
	}
	if b, err := ca.Events(o.HomeRegion).Bus(t.Context(), chain.BusName); err != nil {
		t.Error(err)
	} else if b.Policy != "" {
		t.Errorf("moto now applies AWS::Events::EventBusPolicy (%s): compare it with chain.CentralBusPolicy here", b.Policy)
	}
}

// memberView is what the EventBridge API says of an account's rootwatch
// rules on the default bus, by region, with the account ID replaced.
func memberView(t *testing.T, a *awscloud.Account, acct string, regions []string) map[string]ruleView {
	t.Helper()
	out := map[string]ruleView{}
	anon := func(s string) string { return strings.ReplaceAll(s, acct, "ACCOUNT") }
	for _, r := range regions {
		ev := a.Events(r)
		rules, err := ev.Rules(t.Context(), cloud.DefaultBus, "rootwatch-")
		if err != nil {
			t.Fatal(err)
		}
		for _, rule := range rules {
			full, err := ev.Rule(t.Context(), cloud.DefaultBus, rule.Name)
			if err != nil {
				t.Fatal(err)
			}
			full.Tags = rule.Tags
			var b bytes.Buffer
			if err := json.Compact(&b, []byte(full.Pattern)); err != nil {
				t.Fatal(err)
			}
			full.Pattern = b.String()
			full.ARN = anon(full.ARN)
			targets, err := ev.Targets(t.Context(), cloud.DefaultBus, rule.Name)
			if err != nil {
				t.Fatal(err)
			}
			for i := range targets {
				targets[i].RoleARN = anon(targets[i].RoleARN)
				targets[i].DeadLetterARN = anon(targets[i].DeadLetterARN)
			}
			out[r+"/"+rule.Name] = ruleView{Rule: full, Targets: targets}
		}
	}
	return out
}

// roleView is the forwarder role's trust and inline policy, canonical, with
// the account ID replaced.
func roleView(t *testing.T, a *awscloud.Account, acct string) [2]string {
	t.Helper()
	r, err := a.Roles().Role(t.Context(), chain.ForwarderRoleName)
	if err != nil {
		t.Fatalf("account %s: %v", acct, err)
	}
	p, err := a.Roles().RolePolicy(t.Context(), chain.ForwarderRoleName, chain.ForwarderPolicyName)
	if err != nil {
		t.Fatalf("account %s: %v", acct, err)
	}
	// moto returns a stack role's inline policy as the Python repr of the
	// template's object: read it by its quotes.
	if !json.Valid([]byte(p)) {
		p = strings.ReplaceAll(p, "'", `"`)
	}
	anon := func(s string) string { return canonical(t, strings.ReplaceAll(s, acct, "ACCOUNT")) }
	return [2]string{anon(r.Trust), anon(p)}
}
