package cfn

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/golden"
)

var testOrgOptions = OrgOptions{
	Options:        Options{HomeRegion: "us-east-1", Regions: []string{"eu-west-1", "us-east-1"}, Emails: []string{"sec@example.com"}, Version: "v0.0.0-test"},
	OrganizationID: "o-a1b2c3d4e5",
	Management:     "111111111111",
	Central:        "222222222222",
	Units:          []string{"ou-ab12-cdef3456"},
}

func TestOrgGolden(t *testing.T) {
	e, err := RenderOrg(testOrgOptions)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/org/"+HomeTemplateFile, e.Home.JSON())
	golden.Check(t, "testdata/org/"+ForwarderFile, e.Forwarder.JSON())
	golden.Check(t, "testdata/org/"+MemberTemplateFile, e.Member.JSON())
	golden.Check(t, "testdata/org/"+ManifestFile, indentJSON(e.Manifest))
}

// condition evaluates a template condition (Fn::Equals of two values) where
// the template is deployed.
func (env stackEnv) condition(t *testing.T, tmpl Template, name string) bool {
	t.Helper()
	c, ok := tmpl.Conditions[name]
	if !ok {
		t.Fatalf("undefined condition %s", name)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string][]any
	if err := json.Unmarshal(b, &v); err != nil || len(v) != 1 || len(v["Fn::Equals"]) != 2 {
		t.Fatalf("condition %s: %s: only Fn::Equals of two values expected", name, b)
	}
	args := v["Fn::Equals"]
	val := func(a any) any {
		if m, ok := a.(map[string]any); ok {
			if r, ok := m["Ref"].(string); ok {
				switch r {
				case "AWS::Region":
					return env.region
				case "AWS::AccountId":
					return env.account
				}
				if p, ok := env.params[r]; ok {
					return p
				}
				t.Fatalf("condition %s: Ref %s is not a parameter", name, r)
			}
		}
		return env.resolve(t, tmpl, a)
	}
	return val(args[0]) == val(args[1])
}

// TestOrgTemplatesAreTheSpec deploys an organization's manifest on paper:
// the central account's stacks, and the member template in every region of
// a member account (through the StackSet) and of the management account
// (through its stacks), each read back and compared with the spec deploy
// --org applies to that account: the central Spec with its bus policy, and
// chain.MemberSpec for the others.
func TestOrgTemplatesAreTheSpec(t *testing.T) {
	const member = "333333333333"
	for _, tc := range []struct {
		name string
		o    OrgOptions
	}{
		{"central apart", testOrgOptions},
		{"central is the management account, three regions", OrgOptions{
			Options:        Options{HomeRegion: "eu-central-1", Regions: []string{"us-east-1", "ap-southeast-2"}, Version: "v1"},
			OrganizationID: "o-zz9y8x7w6v", Management: "111111111111", Units: []string{"r-ab12", "ou-ab12-cdef3456"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := RenderOrg(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			m := e.Manifest
			central := tc.o.Central
			if central == "" {
				central = tc.o.Management
			}
			co := chain.Options{HomeRegion: m.HomeRegion, Regions: tc.o.Regions, Emails: tc.o.Emails, Version: tc.o.Version}
			cspec, err := chain.Desired(cloud.Identity{Account: central, Partition: "aws"}, m.Regions, co)
			if err != nil {
				t.Fatal(err)
			}
			cspec = cspec.WithOrg(tc.o.OrganizationID)
			templates := e.Templates()
			deployed := map[string]*readSpec{} // account -> what its stacks create
			deploy := func(acct, name, file string, regions []string, params map[string]string, tags map[string]string) {
				if diff := cmp.Diff(map[string]string(cspec.Tags), tags); diff != "" {
					t.Errorf("%s: tags differ from deploy's (-deploy +manifest):\n%s", name, diff)
				}
				tmpl, ok := templates[file]
				if !ok {
					t.Fatalf("%s: no template %s", name, file)
				}
				var parsed Template
				if err := json.Unmarshal(tmpl.JSON(), &parsed); err != nil {
					t.Fatal(err)
				}
				for p, pm := range parsed.Parameters {
					if _, ok := params[p]; !ok && pm.Default != nil {
						params[p] = *pm.Default
						if p == ParamBoundary {
							params[p] = "true" // as the administrator who created it passes it
						}
					} else if !ok {
						t.Fatalf("%s: the manifest gives no value for parameter %s", name, p)
					}
				}
				g := deployed[acct]
				if g == nil {
					g = &readSpec{Account: acct, Partition: "aws", HomeRegion: m.HomeRegion}
					deployed[acct] = g
				}
				for _, r := range regions {
					g.read(t, parsed, stackEnv{account: acct, partition: "aws", region: r, params: params})
				}
			}
			for _, st := range m.Stacks {
				deploy(st.Account, "stack "+st.Name, st.Template, st.Regions, st.Parameters, st.Tags)
			}
			if len(m.StackSets) != 1 {
				t.Fatalf("%d StackSets, want 1", len(m.StackSets))
			}
			ss := m.StackSets[0]
			if ss.PermissionModel != "SERVICE_MANAGED" || !ss.AutoDeployment.Enabled || ss.AutoDeployment.RetainStacksOnAccountRemoval {
				t.Errorf("StackSet %s: %s, %+v: want SERVICE_MANAGED with automatic deployment, not retaining stacks", ss.Name, ss.PermissionModel, ss.AutoDeployment)
			}
			if diff := cmp.Diff(tc.o.Units, ss.OrganizationalUnits); diff != "" {
				t.Errorf("StackSet targets (-want +got):\n%s", diff)
			}
			if ss.AdministratorAccount != tc.o.Management || !slices.Equal(ss.ExcludeAccounts, []string{central}) {
				t.Errorf("StackSet administered from %s, excluding %v: want from the management account %s, excluding the central account", ss.AdministratorAccount, ss.ExcludeAccounts, tc.o.Management)
			}
			if ss.Regions[0] != m.HomeRegion {
				t.Errorf("StackSet regions %v: the home region, which creates the role, must come first", ss.Regions)
			}
			deploy(member, "StackSet "+ss.Name, ss.Template, ss.Regions, ss.Parameters, ss.Tags)

			// The central account: deploy --org's central Spec.
			deployed[central].check(t, cspec)
			// Every other account: chain.MemberSpec.
			others := []string{member}
			if tc.o.Management != central {
				others = append(others, tc.o.Management)
			}
			for _, acct := range others {
				want, missing := chain.MemberSpec(cspec, cloud.Identity{Account: acct, Partition: "aws"}, m.Regions, tc.o.Regions)
				if len(missing) > 0 {
					t.Fatalf("missing %v", missing)
				}
				deployed[acct].checkMember(t, want)
			}
			if len(deployed) != len(others)+1 {
				t.Errorf("the manifest deploys to %d accounts, want %d", len(deployed), len(others)+1)
			}
		})
	}
}

// checkMember compares what a member account's stacks create with its
// MemberSpec: the role, and per region a queue and a forwarding rule
// targeting the central bus; nothing else.
func (g *readSpec) checkMember(t *testing.T, want chain.Spec) {
	t.Helper()
	if len(g.Buses) != 0 || len(g.Topics) != 0 {
		t.Errorf("a member account's stacks create buses %v and topics %v", g.Buses, g.Topics)
	}
	wantRole := want.Role
	// The boundary's document is the administrator's policy, outside the
	// stack: the template names it (deploy and status check its content).
	wantRole.Boundary.Policy = ""
	wantRole.Trust = canonicalPolicy(t, wantRole.Trust)
	wantRole.Policy = canonicalPolicy(t, wantRole.Policy)
	if diff := cmp.Diff([]chain.RoleSpec{wantRole}, g.Roles); diff != "" {
		t.Errorf("account %s: roles (-deploy +stacks):\n%s", g.Account, diff)
	}
	var wantQueues []chain.QueueSpec
	var wantRules []chain.RuleSpec
	for _, f := range want.Forwarders {
		q := f.DLQ
		q.Policy = canonicalPolicy(t, q.Policy)
		wantQueues = append(wantQueues, q)
		r := f.Rule
		r.Pattern = canonicalPolicy(t, r.Pattern)
		wantRules = append(wantRules, r)
	}
	for i := range g.Rules {
		g.Rules[i].Pattern = canonicalPolicy(t, g.Rules[i].Pattern)
		if !strings.Contains(g.Rules[i].Target.ARN, ":event-bus/"+chain.BusName) || !strings.Contains(g.Rules[i].Target.ARN, want.Account) {
			t.Errorf("account %s: rule %s targets %s, not the central bus", g.Account, g.Rules[i].ARN, g.Rules[i].Target.ARN)
		}
	}
	sort.Slice(g.Queues, func(i, j int) bool { return g.Queues[i].Region < g.Queues[j].Region })
	sort.Slice(g.Rules, func(i, j int) bool { return g.Rules[i].Region < g.Rules[j].Region })
	if diff := cmp.Diff(wantQueues, g.Queues); diff != "" {
		t.Errorf("account %s: dead-letter queues (-deploy +stacks):\n%s", g.Account, diff)
	}
	if diff := cmp.Diff(wantRules, g.Rules); diff != "" {
		t.Errorf("account %s: forwarding rules (-deploy +stacks):\n%s", g.Account, diff)
	}
	for what, tags := range g.Tags {
		if diff := cmp.Diff(want.Tags, tags); diff != "" {
			t.Errorf("account %s, %s: tags (-deploy +stacks):\n%s", g.Account, what, diff)
		}
	}
	if n := 1 + 3*len(want.Forwarders); g.resources != n {
		t.Errorf("account %s: the stacks create %d resources, deploy %d", g.Account, g.resources, n)
	}
}

func TestRenderOrgRefuses(t *testing.T) {
	for name, mod := range map[string]func(*OrgOptions){
		"bad organization": func(o *OrgOptions) { o.OrganizationID = "o-${AWS::AccountId}" },
		"bad central":      func(o *OrgOptions) { o.Central = "12345" },
		"bad management":   func(o *OrgOptions) { o.Management = "" },
		"no units":         func(o *OrgOptions) { o.Units = nil },
		"bad unit":         func(o *OrgOptions) { o.Units = []string{"ou-x"} },
		"bad region":       func(o *OrgOptions) { o.Regions = []string{"eu-west-1", "${AWS::Region}"} },
	} {
		t.Run(name, func(t *testing.T) {
			o := testOrgOptions
			mod(&o)
			if _, err := RenderOrg(o); err == nil {
				t.Errorf("RenderOrg(%+v) succeeded", o)
			}
		})
	}
}
