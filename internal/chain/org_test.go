package chain

import (
	"strings"
	"testing"
)

// TestJudgeAdmission: the central bus policy deploy --org writes admits every
// account's forwarder of the organization and nobody else; a Deny naming one
// account fails that account only.
func TestJudgeAdmission(t *testing.T) {
	const (
		bus    = "arn:aws:events:us-east-1:111111111111:event-bus/rootwatch"
		member = "222222222222"
	)
	p := CentralBusPolicy("aws", bus, "o-abc")
	deny := strings.TrimSuffix(p, "]}") + `,{"Sid":"NotThatOne","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"` + bus + `","Condition":{"StringEquals":{"aws:PrincipalAccount":"` + member + `"}}}]}`
	odd := strings.TrimSuffix(p, "]}") + `,{"Sid":"Odd","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	for _, tc := range []struct {
		name, policy, account, org string
		want                       Status
		detail                     string
	}{
		{"member of the organization", p, member, "o-abc", OK, "(statement " + BusPolicySid + ") admits arn:aws:iam::222222222222:role/rootwatch-forwarder"},
		{"another organization", p, member, "o-other", Fail, "does not admit"},
		{"no policy", "", member, "o-abc", Fail, "has no policy"},
		{"denied account", deny, member, "o-abc", Fail, "statement NotThatOne"},
		{"another account beside the denied one", deny, "333333333333", "o-abc", OK, "admits"},
		{"unevaluated condition", odd, member, "o-abc", Warn, "statement Odd"},
		{"malformed", "{", member, "o-abc", Fail, "cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := JudgeAdmission("aws", bus, tc.policy, tc.account, tc.org)
			if v.Status != tc.want || !strings.Contains(v.Detail, tc.detail) {
				t.Errorf("JudgeAdmission = %+v, want %s with %q", v, tc.want, tc.detail)
			}
		})
	}
}
