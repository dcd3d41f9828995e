package chain

import (
	"fmt"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// JudgeRoleTrust judges whether EventBridge may assume the forwarder role.
func JudgeRoleTrust(r cloud.Role) Verdict { return judgeTrust(r, "no region can forward") }

// JudgeChannelRoleTrust judges whether EventBridge may assume the channel
// role (ChannelRoleName).
func JudgeChannelRoleTrust(r cloud.Role) Verdict { return judgeTrust(r, "its channels get no alert") }

// judgeTrust judges whether EventBridge may assume role r; lost says what a
// refusal costs.
func judgeTrust(r cloud.Role, lost string) Verdict {
	if p, err := policy.Read(r.Trust); err == nil {
		for _, s := range p.Statement {
			if s.IsAllow() && s.NamesService(EventsService) && s.Covers("sts:AssumeRole") {
				return ok(fmt.Sprintf("role %s trusts %s", r.Name, EventsService))
			}
		}
	}
	return fail(fmt.Sprintf("role %s does not let %s assume it: %s", r.Name, EventsService, lost), Redeploy)
}

// JudgeRolePolicy judges the forwarder role's inline policy doc: it must
// allow events:PutEvents on the home bus.
func JudgeRolePolicy(s Spec, doc string) Verdict {
	want := s.Role
	if p, err := policy.Read(doc); err == nil {
		for _, st := range p.Statement {
			if st.IsAllow() && st.Covers("events:PutEvents") && st.On(s.Bus.ARN) {
				return ok(fmt.Sprintf("role %s may put events on %s", want.Name, s.Bus.ARN))
			}
		}
	}
	return fail(fmt.Sprintf("policy %s of role %s does not allow events:PutEvents on %s: no region can forward", want.PolicyName, want.Name, s.Bus.ARN), Redeploy)
}
