package cfn

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Organization mode (chain.MemberSpec): the central account holds the chain
// (the home template, whose bus now has the organization's bus policy) and
// forwards from its other regions (the forwarder template), as one account
// does; every other account of the organization gets the member template in
// every region: the forwarder role (in the home region only: IAM is global)
// and the region's dead-letter queue and forwarding rule, whose target is the
// central bus.
//
// Member accounts get the member template through a SERVICE_MANAGED StackSet
// with automatic deployment, targeting OUs, so that an account created or
// moved into them tomorrow is covered; the management account, which such a
// StackSet never targets, gets it as a stack in each region.

// Names of the member StackSet, its template and the templates' parameters.
const (
	MemberStackSetName  = "rootwatch-member"
	MemberTemplateFile  = "rootwatch-member.json"
	ParamCentralAccount = "CentralAccount"
	ParamOrganizationID = "OrganizationId"
	// condRoleRegion is the member template's condition for the region that
	// holds the forwarder role: the home region.
	condRoleRegion = "IsHomeRegion"
)

// OrgOptions are the choices of `export cloudformation --org`.
type OrgOptions struct {
	Options
	OrganizationID string   // o-...
	Management     string   // the management account's ID
	Central        string   // the central account's ID; "" means the management account
	Units          []string // the OUs (or the root) whose accounts the member StackSet covers
}

// OrgExport is what `rootwatch export cloudformation --org` writes.
type OrgExport struct {
	Home      Template // the central account's home region
	Forwarder Template // the central account's other regions
	Watch     Template // the central account's home region: heartbeat counts and alarms
	Member    Template // every other account, every region
	Manifest  Manifest
}

var (
	orgIDPattern   = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	unitPattern    = regexp.MustCompile(`^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$`)
)

var orgIDParameter = Parameter{
	Type:           "String",
	Description:    "the organization whose rootwatch-forwarder roles may put events on the central bus",
	AllowedPattern: orgIDPattern.String(),
}

// Templates returns the templates by the file name the manifest gives them.
func (e OrgExport) Templates() map[string]Template {
	return map[string]Template{HomeTemplateFile: e.Home, ForwarderFile: e.Forwarder, WatchTemplateFile: e.Watch, MemberTemplateFile: e.Member}
}

// RenderOrg renders the templates and the manifest of an organization.
func RenderOrg(o OrgOptions) (OrgExport, error) {
	if o.Central == "" {
		o.Central = o.Management
	}
	switch {
	case !orgIDPattern.MatchString(o.OrganizationID):
		return OrgExport{}, fmt.Errorf("%q is not an organization ID (like o-a1b2c3d4e5)", o.OrganizationID)
	case !accountPattern.MatchString(o.Management):
		return OrgExport{}, fmt.Errorf("management account %q is not a 12-digit account ID", o.Management)
	case !accountPattern.MatchString(o.Central):
		return OrgExport{}, fmt.Errorf("central account %q is not a 12-digit account ID", o.Central)
	case len(o.Units) == 0:
		return OrgExport{}, fmt.Errorf("no organizational units for the member StackSet")
	}
	for _, u := range o.Units {
		if !unitPattern.MatchString(u) {
			return OrgExport{}, fmt.Errorf("%q is not an OU or root ID (like ou-ab12-cdef3456 or r-ab12)", u)
		}
	}
	e, err := Render(o.Options)
	if err != nil {
		return OrgExport{}, err
	}
	home := e.Manifest.HomeRegion

	// The central home template: the one-account template, its bus with
	// the organization's policy, as deploy --org's central Spec.
	id := cloud.Identity{Account: phAccount, Partition: phPartition}
	hs, err := chain.Desired(id, []string{phRegion}, chain.Options{HomeRegion: phRegion, Regions: []string{phRegion}, Emails: o.Emails, Version: o.Version})
	if err != nil {
		return OrgExport{}, err
	}
	homeT, err := homeTemplate(hs.WithOrg(phOrgID))
	if err != nil {
		return OrgExport{}, err
	}

	// The member template: deploy --org's MemberSpec of any account in any
	// region, forwarding to the central bus of CentralAccount in HomeRegion.
	cs, err := chain.Desired(cloud.Identity{Account: phCentral, Partition: phPartition}, []string{phHome}, chain.Options{HomeRegion: phHome, Regions: []string{phHome}, Version: o.Version})
	if err != nil {
		return OrgExport{}, err
	}
	ms, _ := chain.MemberSpec(cs.WithOrg(phOrgID), id, []string{phHome, phRegion}, []string{phRegion})
	memberT, err := memberTemplate(ms)
	if err != nil {
		return OrgExport{}, err
	}

	m := e.Manifest
	for i := range m.Stacks {
		m.Stacks[i].Account = o.Central
	}
	m.Stacks[0].Parameters = map[string]string{ParamOrganizationID: o.OrganizationID}
	memberParams := map[string]string{ParamCentralAccount: o.Central, ParamHomeRegion: home}
	// Home region first: it creates the member's role, which every region's
	// forwarding rule uses.
	regions := append([]string{home}, slices.DeleteFunc(slices.Clone(m.Regions), func(r string) bool { return r == home })...)
	m.Organization = &OrgManifest{
		ID:         o.OrganizationID,
		Management: o.Management,
		Central:    o.Central,
	}
	if o.Management != o.Central {
		m.Stacks = append(m.Stacks, Stack{
			Order:        2,
			Account:      o.Management,
			Name:         MemberStackSetName,
			Template:     MemberTemplateFile,
			Regions:      regions,
			Parameters:   memberParams,
			Capabilities: []string{"CAPABILITY_NAMED_IAM"},
			Tags:         m.Stacks[0].Tags,
		})
	}
	m.StackSets = []StackSet{{
		Order:                2,
		Name:                 MemberStackSetName,
		Template:             MemberTemplateFile,
		PermissionModel:      "SERVICE_MANAGED",
		AutoDeployment:       AutoDeployment{Enabled: true, RetainStacksOnAccountRemoval: false},
		AdministratorAccount: o.Management,
		AdministrationRegion: home,
		OrganizationalUnits:  o.Units,
		// The central account has its own chain (the stacks above), whose
		// role and forwarding rules have the member template's names.
		ExcludeAccounts: []string{o.Central},
		Regions:         regions,
		Parameters:      memberParams,
		Capabilities:    []string{"CAPABILITY_NAMED_IAM"},
		Tags:            m.Stacks[0].Tags,
	}}
	m.Notes = append(m.Notes,
		"deploy the central account's stacks first: every member's forwarding rule targets the central bus, whose policy lets in the organization's "+chain.ForwarderRoleName+" roles",
		"the member StackSet never deploys to the management account (AWS's rule for SERVICE_MANAGED StackSets): the stack "+MemberStackSetName+" in each region covers it, unless it is the central account",
		"the member StackSet excludes the central account (DeploymentTargets AccountFilterType DIFFERENCE): its own stacks forward there already",
		"automatic deployment creates the stacks of an account that joins the OUs in every region at once; its forwarding rules forward once the role, created in the home region, exists",
	)
	return OrgExport{Home: homeT, Forwarder: e.Forwarder, Watch: e.Watch, Member: memberT, Manifest: m}, nil
}

// memberTemplate renders a member account's part in one region: the
// forwarder role (home region only) and the region's queue and forwarding rule.
func memberTemplate(s chain.Spec) (Template, error) {
	i := slices.IndexFunc(s.Forwarders, func(f chain.Forwarder) bool { return f.Region == phRegion })
	if i < 0 {
		return Template{}, fmt.Errorf("render member template: no spec for the forwarding region")
	}
	rs := s.Forwarders[i]
	// The role is not referenced but named: it exists in one region only.
	r := refs{rs.DLQ.ARN: getAtt(idDLQ, "Arn")}
	t := Template{
		FormatVersion: "2010-09-09",
		Description:   fmt.Sprintf("rootwatch %s: forwards root activity in this region of an organization's account to the central rootwatch bus (forwarding rule, dead-letter queue; the forwarder role in the home region). Rendered by rootwatch export cloudformation --org; do not edit.", s.Tags[cloud.VersionTag]),
		Parameters: map[string]Parameter{
			ParamCentralAccount: {
				Type:           "String",
				Description:    "the central account: where the rootwatch stack (bus, alert rules, topic) is deployed",
				AllowedPattern: accountPattern.String(),
			},
			ParamHomeRegion: {
				Type:           "String",
				Description:    "the home region: where the central bus is, and where this account's forwarder role is created",
				AllowedPattern: `^[a-z]{2}(-[a-z]+)+-[0-9]+$`,
			},
		},
		Conditions: map[string]any{
			condRoleRegion: map[string]any{"Fn::Equals": []any{ref("AWS::Region"), ref(ParamHomeRegion)}},
		},
		Resources: map[string]Resource{},
	}
	role, err := roleResource(s.Role, s.Tags, r)
	if err != nil {
		return Template{}, err
	}
	role.Condition = condRoleRegion
	t.Resources[idRole] = role
	withBoundary(&t)
	if err := addRegion(t.Resources, rs, s, r); err != nil {
		return Template{}, err
	}
	return t, nil
}

// busPolicyResource renders the central bus's policy, one statement.
func busPolicyResource(doc string) (Resource, error) {
	v, err := refs(nil).policy(doc)
	if err != nil {
		return Resource{}, fmt.Errorf("render bus policy: %w", err)
	}
	sts, _ := v.(map[string]any)["Statement"].([]any)
	if len(sts) != 1 {
		return Resource{}, fmt.Errorf("render bus policy: %d statements, want 1", len(sts))
	}
	st := sts[0].(map[string]any)
	sid, _ := st["Sid"].(string)
	// StatementId is the statement's Sid: AWS writes it into the policy.
	delete(st, "Sid")
	return Resource{Type: TypeBusPolicy, Properties: map[string]any{
		"EventBusName": getAtt(idBus, "Name"),
		"StatementId":  sid,
		"Statement":    st,
	}}, nil
}
