package policy

import "testing"

func TestEvaluate(t *testing.T) {
	const (
		bus    = "arn:aws:events:us-east-1:111111111111:event-bus/rootwatch"
		member = "arn:aws:iam::222222222222:role/rootwatch-forwarder"
		org    = `{"Version":"2012-10-17","Statement":[{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"` + bus + `",` +
			`"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/rootwatch-forwarder"}}}`
	)
	inOrg := map[string]string{"aws:PrincipalArn": member, "aws:PrincipalOrgID": "o-abc", "aws:PrincipalAccount": "222222222222"}
	req := func(principal string, keys map[string]string) Request {
		return Request{Principal: principal, Action: "events:PutEvents", Resource: bus, Keys: keys}
	}
	for _, tc := range []struct {
		name, doc string
		req       Request
		want      Evaluation
	}{
		{"no policy", "", req(member, inOrg), Evaluation{Decision: NotAllowed}},
		{"org forwarder", org + `]}`, req(member, inOrg), Evaluation{Allowed, "Org"}},
		{"other org", org + `]}`, req(member, map[string]string{"aws:PrincipalArn": member, "aws:PrincipalOrgID": "o-other"}), Evaluation{Decision: NotAllowed}},
		{"outside any org", org + `]}`, req(member, map[string]string{"aws:PrincipalArn": member}), Evaluation{Decision: NotAllowed}},
		{"another role of the org", org + `]}`, req("arn:aws:iam::222222222222:role/admin", map[string]string{"aws:PrincipalArn": "arn:aws:iam::222222222222:role/admin", "aws:PrincipalOrgID": "o-abc"}), Evaluation{Decision: NotAllowed}},
		{"other action", org + `]}`, Request{Principal: member, Action: "events:PutRule", Resource: bus, Keys: inOrg}, Evaluation{Decision: NotAllowed}},
		{"other bus", org + `]}`, Request{Principal: member, Action: "events:PutEvents", Resource: bus + "2", Keys: inOrg}, Evaluation{Decision: NotAllowed}},
		{"action case and wildcard", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"Events:Put*","Resource":"*"}}`, req(member, nil), Evaluation{Allowed, "#1"}},
		{"account root ARN", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"events:PutEvents","Resource":"*"}}`, req(member, nil), Evaluation{Allowed, "#1"}},
		{"other account", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"events:PutEvents","Resource":"*"}}`, req(member, nil), Evaluation{Decision: NotAllowed}},
		{"service principal is not an AWS principal", `{"Statement":{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"events:PutEvents","Resource":"*"}}`, req(member, nil), Evaluation{Decision: NotAllowed}},
		{"deny of the account wins", org + `,{"Sid":"NoWorkload","Effect":"Deny","Principal":"*","Action":"events:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"222222222222"}}}]}`, req(member, inOrg), Evaluation{Denied, "NoWorkload"}},
		{"deny of another account", org + `,{"Sid":"NoOther","Effect":"Deny","Principal":"*","Action":"events:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"333333333333"}}}]}`, req(member, inOrg), Evaluation{Allowed, "Org"}},
		{"NotLike holds on a missing key", `{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:PrincipalTag/team":"sec*"}}}]}`, req(member, inOrg), Evaluation{Denied, "D"}},
		{"IfExists holds on a missing key", `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}}]}`, req(member, inOrg), Evaluation{Allowed, "A"}},
		{"unknown operator on an Allow", `{"Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`, req(member, inOrg), Evaluation{Undetermined, "A"}},
		{"unknown operator on a Deny beats an Allow", org + `,{"Sid":"D","Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"5"}}}]}`, req(member, inOrg), Evaluation{Undetermined, "D"}},
		{"NotResource", `{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"*","NotResource":"` + bus + `"},{"Sid":"A","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, req(member, nil), Evaluation{Allowed, "A"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Evaluate(tc.doc, tc.req)
			if err != nil || got != tc.want {
				t.Errorf("Evaluate = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := Evaluate("{", req(member, inOrg)); err == nil {
		t.Error("Evaluate of a malformed policy: no error")
	}
}

func FuzzEvaluate(f *testing.F) {
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}}`, "arn:aws:iam::222222222222:role/x", "o-abc")
	f.Add(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":["*"]},"NotAction":"s3:*","Condition":{"ArnNotLikeIfExists":{"aws:PrincipalArn":"arn:*"}}}]}`, "", "")
	f.Fuzz(func(t *testing.T, doc, principal, org string) {
		ev, err := Evaluate(doc, Request{Principal: principal, Action: "events:PutEvents", Resource: "arn:aws:events:us-east-1:1:event-bus/b", Keys: map[string]string{"aws:PrincipalArn": principal, "aws:PrincipalOrgID": org}})
		if err != nil {
			return
		}
		switch ev.Decision {
		case Allowed, Denied, Undetermined:
			if ev.Statement == "" {
				t.Errorf("%s without a statement", ev.Decision)
			}
		case NotAllowed:
		default:
			t.Errorf("unknown decision %q", ev.Decision)
		}
	})
}
