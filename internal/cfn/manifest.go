package cfn

import (
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Manifest says how to deploy the templates: which stacks, where, with which
// parameters, in which order. `rootwatch export cloudformation` writes it as
// manifest.json next to the templates; `--output json` prints it.
type Manifest struct {
	RootwatchVersion string   `json:"rootwatchVersion"`
	HomeRegion       string   `json:"homeRegion"`
	Regions          []string `json:"regions"` // every region with a forwarding rule, the home region included
	Stacks           []Stack  `json:"stacks"`
	// StackSets and Organization are set by export --org.
	StackSets    []StackSet   `json:"stackSets,omitempty"`
	Organization *OrgManifest `json:"organization,omitempty"`
	Notes        []string     `json:"notes"`
}

// Stack is one template to deploy as a stack in each of Regions of the
// account the credentials belong to.
type Stack struct {
	// Order: stacks of a lower order must be complete before the next order
	// starts; stacks of the same order are independent.
	Order int `json:"order"`
	// Account is the account to deploy in (export --org); "" means the
	// account of the credentials.
	Account      string            `json:"account,omitempty"`
	Name         string            `json:"stackName"`
	Template     string            `json:"template"` // file name in the export directory
	Regions      []string          `json:"regions"`
	Parameters   map[string]string `json:"parameters,omitempty"`
	Capabilities []string          `json:"capabilities,omitempty"`
	// Tags are the stack's tags. CloudFormation propagates them to every
	// resource it creates; they are the tags deploy puts on its resources.
	Tags map[string]string `json:"tags"`
}

// OrgManifest says which organization an export --org is for.
type OrgManifest struct {
	ID         string `json:"id"`
	Management string `json:"managementAccount"`
	Central    string `json:"centralAccount"`
}

// StackSet is a template to deploy through a StackSet.
type StackSet struct {
	Order           int            `json:"order"`
	Name            string         `json:"stackSetName"`
	Template        string         `json:"template"`
	PermissionModel string         `json:"permissionModel"` // SERVICE_MANAGED
	AutoDeployment  AutoDeployment `json:"autoDeployment"`
	// The StackSet is created in the administrator account (the management
	// account, for SERVICE_MANAGED) in AdministrationRegion.
	AdministratorAccount string `json:"administratorAccount"`
	AdministrationRegion string `json:"administrationRegion"`
	// OrganizationalUnits are the deployment targets, less ExcludeAccounts
	// (AccountFilterType DIFFERENCE).
	OrganizationalUnits []string `json:"organizationalUnitIds"`
	ExcludeAccounts     []string `json:"excludeAccounts,omitempty"`
	// Regions, in the order to deploy them (RegionOrder).
	Regions      []string          `json:"regions"`
	Parameters   map[string]string `json:"parameters,omitempty"`
	Capabilities []string          `json:"capabilities,omitempty"`
	Tags         map[string]string `json:"tags"`
}

// AutoDeployment is a SERVICE_MANAGED StackSet's automatic deployment.
type AutoDeployment struct {
	Enabled                      bool `json:"enabled"`
	RetainStacksOnAccountRemoval bool `json:"retainStacksOnAccountRemoval"`
}

func manifest(s chain.Spec) Manifest {
	m := Manifest{
		RootwatchVersion: s.Tags[cloud.VersionTag],
		HomeRegion:       s.HomeRegion,
		Regions:          s.Regions,
		Stacks: []Stack{{
			Order:        1,
			Name:         HomeStackName,
			Template:     HomeTemplateFile,
			Regions:      []string{s.HomeRegion},
			Capabilities: []string{"CAPABILITY_NAMED_IAM"},
			Tags:         s.Tags,
		}},
		Notes: []string{
			"CloudTrail must record management events of every region (a logging multi-region trail with global service events, All or WriteOnly): the templates do not create one; 'rootwatch deploy --create-trail --dry-run' shows whether the account has one",
			"deploy in order: the forwarder stacks' rules put events on the home stack's bus through its role",
			"once an administrator has created the IAM policy " + chain.BoundaryPolicyName + " in the account ('rootwatch iam-policy --boundary'), pass the parameter " + ParamBoundary + "=true wherever a template has it: the forwarder role is then bounded by it, as deploy bounds it",
		},
	}
	var others []string
	for _, r := range s.Regions {
		if r != s.HomeRegion {
			others = append(others, r)
		}
	}
	if len(others) > 0 {
		m.Stacks = append(m.Stacks, Stack{
			Order:      2,
			Name:       ForwarderStackName,
			Template:   ForwarderFile,
			Regions:    others,
			Parameters: map[string]string{ParamHomeRegion: s.HomeRegion},
			Tags:       s.Tags,
		})
	}
	// The watch stack last: its heartbeat alarms expect every region's beats.
	m.Stacks = append(m.Stacks, Stack{
		Order:    3,
		Name:     WatchStackName,
		Template: WatchTemplateFile,
		Regions:  []string{s.HomeRegion},
		Tags:     s.Tags,
	})
	m.Notes = append(m.Notes, "the watch stack names the regions above (a beat rule and a heartbeat alarm each): export again and update it when they change")
	if len(s.Topic.Emails) > 0 {
		m.Notes = append(m.Notes, "each e-mail subscription stays pending until its recipient clicks Confirm subscription in the mail from AWS; nobody gets alerts until then")
	} else {
		m.Notes = append(m.Notes, "no --email given: the topic has no subscription, nobody receives the alerts until it has a confirmed one")
	}
	return m
}
