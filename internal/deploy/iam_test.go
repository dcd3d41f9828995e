package deploy_test

// The permissions table measured: every call of every command is evaluated
// against the printed policy by an IAM evaluator of the test's own (action and
// resource wildcards, policy variables, the condition operators rootwatch
// uses), with the request context AWS would send; the policy lets each command
// do all it does, each row and each statement is needed, and the deploy
// policy refuses the escalations it exists to refuse.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// iamRequest is one authorization IAM makes: an action on a resource with the
// request's condition keys (each possibly multi-valued).
type iamRequest struct {
	Action   string
	Resource string
	Keys     map[string][]string
}

func (r iamRequest) String() string {
	if len(r.Keys) == 0 {
		return r.Action + " on " + r.Resource
	}
	return fmt.Sprintf("%s on %s with %v", r.Action, r.Resource, r.Keys)
}

// simStatement is a statement of a printed identity policy.
type simStatement struct {
	Sid       string
	Effect    string
	Action    strOrList
	Resource  strOrList
	Condition map[string]map[string]strOrList
}

type strOrList []string

func (s *strOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*s = list
	return nil
}

// simPolicy is a parsed identity policy for one account.
type simPolicy struct {
	account    string
	statements []simStatement
}

func parsePolicy(t *testing.T, doc, account string) simPolicy {
	t.Helper()
	var p struct{ Statement []simStatement }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, doc)
	}
	return simPolicy{account: account, statements: p.Statement}
}

func (p simPolicy) without(sid string) simPolicy {
	q := simPolicy{account: p.account}
	for _, s := range p.statements {
		if s.Sid != sid {
			q.statements = append(q.statements, s)
		}
	}
	return q
}

// allows evaluates req as IAM does for one identity policy: an explicit Deny
// wins, otherwise an Allow whose action, resource and conditions all match.
func (p simPolicy) allows(req iamRequest) bool {
	allowed := false
	for _, s := range p.statements {
		if !p.applies(s, req) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allowed = allowed || s.Effect == "Allow"
	}
	return allowed
}

func (p simPolicy) subst(v string) string {
	return strings.ReplaceAll(v, "${aws:PrincipalAccount}", p.account)
}

func (p simPolicy) applies(s simStatement, req iamRequest) bool {
	if !slices.ContainsFunc(s.Action, func(a string) bool { return simGlob(strings.ToLower(a), strings.ToLower(req.Action)) }) {
		return false
	}
	if !slices.ContainsFunc(s.Resource, func(r string) bool { return simGlob(p.subst(r), req.Resource) }) {
		return false
	}
	for op, kv := range s.Condition {
		for key, want := range kv {
			for i := range want {
				want[i] = p.subst(want[i])
			}
			if !conditionHolds(op, req.Keys[key], want) {
				return false
			}
		}
	}
	return true
}

// conditionHolds evaluates one condition operator on a request's values of a
// key: without a set operator the key must be present and (single-valued)
// match one of the policy's values; ForAllValues needs every value to match
// one; ForAnyValue needs one value to.
func conditionHolds(op string, got, want []string) bool {
	set, base, _ := strings.Cut(op, ":")
	if base == "" {
		set, base = "", op
	}
	match := func(v string) bool {
		return slices.ContainsFunc(want, func(w string) bool {
			switch base {
			case "StringEquals", "ArnEquals":
				return v == w
			case "StringLike", "ArnLike":
				return simGlob(w, v)
			}
			panic("the evaluator does not know condition operator " + op)
		})
	}
	switch set {
	case "ForAllValues":
		for _, v := range got {
			if !match(v) {
				return false
			}
		}
		return true
	case "ForAnyValue":
		return slices.ContainsFunc(got, match)
	}
	return len(got) == 1 && match(got[0])
}

// simGlob matches IAM's * and ? wildcards.
func simGlob(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if simGlob(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && simGlob(p[1:], s[1:])
	}
	return s != "" && s[0] == p[0] && simGlob(p[1:], s[1:])
}

// boundaryKeyActions are the actions for which IAM sends iam:PermissionsBoundary
// (the role's boundary, or the one a CreateRole asks for).
var boundaryKeyActions = []string{"iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"}

// requests returns what IAM authorizes for one recorded call: each action of
// the method's rows (what internal/awscloud calls for it), on the resource the
// call touches, with the context AWS sends.
func requests(t *testing.T, a *fake.Account, c cloudtest.Call) []iamRequest {
	rows := deploy.PermissionsFor(c.Method)
	if len(rows) == 0 {
		t.Errorf("%s is called but not in the permissions table", c.Method)
		return nil
	}
	acct, region := a.ID(), c.Region
	first, _, _ := strings.Cut(c.Resource, " ")
	ruleARN := func(desc string) string {
		bus, name, _ := strings.Cut(desc, "/")
		if bus == "" || bus == cloud.DefaultBus {
			return "arn:aws:events:" + region + ":" + acct + ":rule/" + name
		}
		return "arn:aws:events:" + region + ":" + acct + ":rule/" + bus + "/" + name
	}
	queueARN := func(nameOrURL string) string {
		return "arn:aws:sqs:" + region + ":" + acct + ":" + nameOrURL[strings.LastIndexByte(nameOrURL, '/')+1:]
	}
	var out []iamRequest
	for _, action := range rows[0].Actions() {
		req := iamRequest{Action: action}
		switch c.Method {
		case "Bus", "CreateBus", "TagBus", "DeleteBus", "PutEvents":
			name := c.Resource
			if name == "" {
				name = cloud.DefaultBus
			}
			req.Resource = "arn:aws:events:" + region + ":" + acct + ":event-bus/" + name
		case "Rules":
			req.Resource = ruleARN(strings.TrimSuffix(c.Resource, "*") + "x")
		case "Rule", "PutRule", "DeleteRule", "Targets", "PutTargets", "RemoveTargets":
			req.Resource = ruleARN(c.Resource)
		case "TestPattern", "Regions", "Trails", "Lookup", "CredentialReport", "AccountSummary", "Organization", "RootAccessFeatures", "Accounts":
			req.Resource = "*"
		case "CreateTopic":
			req.Resource = "arn:aws:sns:" + region + ":" + acct + ":" + c.Resource
		case "Topic", "SetTopicPolicy", "DeleteTopic", "Subscriptions", "Subscribe", "Publish", "ConfirmSubscription":
			req.Resource = first
		case "Unsubscribe", "RemoveFilterPolicy":
			req.Resource = first[:strings.LastIndexByte(first, ':')]
		case "CreateQueue", "Queue", "SetQueuePolicy", "DeleteQueue", "Receive", "DeleteMessage":
			req.Resource = queueARN(c.Resource)
		case "Key", "PutKeyPolicy":
			k, err := a.Keys(region).Key(t.Context(), c.Resource)
			if err != nil {
				req.Resource = "arn:aws:kms:" + region + ":" + acct + ":key/unknown"
			} else {
				req.Resource = k.ARN
			}
		case "CreateTrail", "DeleteTrail":
			req.Resource = "arn:aws:cloudtrail:" + region + ":" + acct + ":trail/" + c.Resource
		case "Role", "CreateRole", "UpdateTrust", "DeleteRole":
			req.Resource = "arn:aws:iam::" + acct + ":role/" + c.Resource
		case "RolePolicyNames", "RoleManagedPolicies", "PutRoleBoundary":
			req.Resource = "arn:aws:iam::" + acct + ":role/" + c.Resource
		case "DetachRolePolicy":
			role, _, _ := strings.Cut(c.Resource, " ")
			req.Resource = "arn:aws:iam::" + acct + ":role/" + role
		case "RolePolicy", "PutRolePolicy", "DeleteRolePolicy":
			role, _, _ := strings.Cut(c.Resource, "/")
			req.Resource = "arn:aws:iam::" + acct + ":role/" + role
		case "ManagedPolicy":
			req.Resource = c.Resource
		case "CreateBucket", "BucketPolicy", "DeleteBucket":
			req.Resource = "arn:aws:s3:::" + c.Resource
		case "List":
			bucket, _, _ := strings.Cut(c.Resource, "/")
			req.Resource = "arn:aws:s3:::" + bucket
		case "Open":
			req.Resource = "arn:aws:s3:::" + c.Resource
		case "MemberRootCredentials":
			req.Resource = "arn:aws:iam::" + c.Resource + ":root"
			req.Keys = map[string][]string{"sts:TaskPolicyArn": {"arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}}
		case "PutAlarm", "DeleteAlarms":
			req.Resource = "arn:aws:cloudwatch:" + region + ":" + acct + ":alarm:" + c.Resource
		case "Alarms":
			req.Resource = "arn:aws:cloudwatch:" + region + ":" + acct + ":alarm:" + strings.TrimSuffix(c.Resource, "*") + "x"
		case "Connections", "Destinations":
			req.Resource = "*"
		case "CreateConnection", "UpdateConnection", "DeleteConnection":
			req.Resource = "arn:aws:events:" + region + ":" + acct + ":connection/" + c.Resource
			if strings.HasPrefix(action, "secretsmanager:") {
				req.Resource = "arn:aws:secretsmanager:" + region + ":" + acct + ":secret:events!connection/" + c.Resource + "-AbCdEf"
			}
		case "CreateDestination", "UpdateDestination", "DeleteDestination":
			req.Resource = "arn:aws:events:" + region + ":" + acct + ":api-destination/" + c.Resource
		case "AlternateContact":
			req.Resource = "arn:aws:account::" + acct + ":account"
		default:
			t.Fatalf("the test cannot name the resource of %s", c.Method)
		}
		switch {
		case action == "events:PutTargets":
			var arns []string
			for _, tg := range c.Targets {
				arns = append(arns, tg.ARN)
			}
			req.Keys = map[string][]string{"events:TargetArn": arns}
		case action == "iam:PassRole":
			// Passed only for targets with a role, once per role.
			var roles []string
			for _, tg := range c.Targets {
				if tg.RoleARN != "" && !slices.Contains(roles, tg.RoleARN) {
					roles = append(roles, tg.RoleARN)
				}
			}
			for _, r := range roles {
				out = append(out, iamRequest{Action: action, Resource: r, Keys: map[string][]string{"iam:PassedToService": {"events.amazonaws.com"}}})
			}
			continue
		case slices.Contains(boundaryKeyActions, action):
			var boundary string
			if c.Role != nil {
				boundary = c.Role.PermissionsBoundary
			} else {
				role := c.Resource[:strings.IndexAny(c.Resource+"/", "/ ")]
				if r, err := a.Roles().Role(t.Context(), role); err == nil {
					boundary = r.PermissionsBoundary
				}
			}
			if boundary != "" {
				req.Keys = map[string][]string{"iam:PermissionsBoundary": {boundary}}
			}
		}
		out = append(out, req)
	}
	return out
}

var errDenied = errors.New("AccessDenied (simulated IAM)")

// scenario is one run of a command: setup builds the account (with every
// permission), then the command runs under the policy its options print.
type scenario struct {
	name    string
	command string
	opts    func(a *fake.Account) deploy.PolicyOptions
	setup   func(t *testing.T, a *fake.Account) []string // returns the command's arguments
	codes   []int                                        // acceptable exit codes
}

const (
	simTopicName = "ops-alerts"
	simKeyAlias  = "alias/ops"
)

func simTopicARN(a *fake.Account) string {
	return "arn:aws:sns:us-east-1:" + a.ID() + ":" + simTopicName
}

// withBoundary creates the forwarder's boundary as an administrator would.
func withBoundary(t *testing.T, a *fake.Account) {
	t.Helper()
	if _, err := a.CreateManagedPolicy(deploy.BoundaryPolicyName, deploy.BoundaryPolicy()); err != nil {
		t.Fatal(err)
	}
}

// withForeignTopic creates the user's own encrypted topic.
func withForeignTopic(t *testing.T, a *fake.Account) {
	t.Helper()
	if _, err := a.Topics("us-east-1").CreateTopic(t.Context(), simTopicName, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateKey("us-east-1", simKeyAlias, `{"Version":"2012-10-17","Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+a.ID()+`:root"},"Action":"kms:*","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	if err := a.SetTopicKMSKey(simTopicARN(a), simKeyAlias); err != nil {
		t.Fatal(err)
	}
}

func keyARN(t *testing.T, a *fake.Account) string {
	k, err := a.Keys("us-east-1").Key(t.Context(), simKeyAlias)
	if err != nil {
		t.Fatal(err)
	}
	return k.ARN
}

// mustRun runs a setup command with every permission.
func mustRun(t *testing.T, a *fake.Account, args ...string) {
	t.Helper()
	if code, out, errs := runCLI(t, a, args...); code != 0 {
		t.Fatalf("setup %v: exit %d\n%s%s", args, code, out, errs)
	}
}

var simRegions = []string{"--regions", "eu-west-1"}

const (
	simSlack   = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
	simWebhook = "https://alerts.example.com/rootwatch?token=secret"
)

func scenarios() []scenario {
	none := func(*fake.Account) deploy.PolicyOptions { return deploy.PolicyOptions{} }
	return []scenario{
		{"deploy", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			return append([]string{"deploy", "--email", "sec@example.com"}, simRegions...)
		}, []int{0}},
		{"deploy --create-trail", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			withBoundary(t, a)
			return append([]string{"deploy", "--create-trail"}, simRegions...)
		}, []int{0}},
		{"deploy --topic-arn --fix-kms-policy", deploy.CmdDeploy, func(a *fake.Account) deploy.PolicyOptions {
			return deploy.PolicyOptions{TopicARNs: []string{simTopicARN(a)}}
		}, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			withForeignTopic(t, a)
			return append([]string{"deploy", "--topic-arn", simTopicARN(a), "--fix-kms-policy", "--email", "sec@example.com"}, simRegions...)
		}, []int{0}},
		{"redeploy repairs", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy"}, simRegions...)...)
			ctx := t.Context()
			ev := a.Events("eu-west-1")
			ev.RemoveTargets(ctx, "", chain.ForwardRuleName, []string{chain.ForwardTargetID})
			ev.DeleteRule(ctx, "", chain.ForwardRuleName)
			a.Roles().DeleteRolePolicy(ctx, chain.ForwarderRoleName, chain.ForwarderPolicyName)
			a.Roles().UpdateTrust(ctx, chain.ForwarderRoleName, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
			if q, err := a.Queues("eu-west-1").Queue(ctx, chain.DLQName); err == nil {
				a.Queues("eu-west-1").SetQueuePolicy(ctx, q.URL, `{"Version":"2012-10-17","Statement":[]}`)
			}
			// An alarm of a rule rootwatch no longer deploys.
			if err := a.Alarms("us-east-1").PutAlarm(ctx, cloud.Alarm{Name: chain.FailedAlarmPrefix + "retired", Namespace: cloud.NamespaceEvents, Metric: cloud.MetricFailedInvocations,
				Statistic: "Sum", Period: 5 * time.Minute, EvaluationPeriods: 1, Threshold: 1, Comparison: cloud.GreaterThanOrEqual,
				Tags: cloud.Tags{cloud.ManagedTag: cloud.ManagedValue}}); err != nil {
				t.Fatal(err)
			}
			// A rule rootwatch no longer deploys, with its target.
			stale := chain.AlertRulePrefix + "retired"
			a.Events("us-east-1").PutRule(ctx, cloud.Rule{Name: stale, Bus: chain.BusName, Pattern: `{"source":["aws.signin"]}`, Tags: cloud.Tags{cloud.ManagedTag: cloud.ManagedValue}})
			a.Events("us-east-1").PutTargets(ctx, chain.BusName, stale, []cloud.Target{{ID: chain.AlertTargetID, ARN: "arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName}})
			return append([]string{"deploy"}, simRegions...)
		}, []int{0}},
		{"redeploy removes a filter policy", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com"}, simRegions...)...)
			sub, err := a.ConfirmSubscription(alertTopic(a), "sec@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if err := a.SetFilterPolicy(sub, `{"x":["y"]}`); err != nil {
				t.Fatal(err)
			}
			return append([]string{"deploy"}, simRegions...)
		}, []int{0}},
		{"redeploy makes the forwarder role rootwatch's again", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy"}, simRegions...)...)
			const deny = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"events:PutEvents","Resource":"*"}]}`
			if err := a.Roles().PutRolePolicy(t.Context(), chain.ForwarderRoleName, "quiet", deny); err != nil {
				t.Fatal(err)
			}
			arn, err := a.CreateManagedPolicy("quiet", deny)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.AttachRolePolicy(chain.ForwarderRoleName, arn); err != nil {
				t.Fatal(err)
			}
			if err := a.SetRoleBoundary(chain.ForwarderRoleName, arn); err != nil {
				t.Fatal(err)
			}
			return append([]string{"deploy"}, simRegions...)
		}, []int{0}},
		{"redeploy records new settings", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy"}, simRegions...)...)
			return append([]string{"deploy", "--email", "sec@example.com"}, simRegions...)
		}, []int{0}},
		{"deploy --slack --webhook", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			return append([]string{"deploy", "--slack", simSlack, "--webhook", simWebhook}, simRegions...)
		}, []int{0}},
		{"deploy changes and drops channels", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--slack", simSlack, "--webhook", simWebhook}, simRegions...)...)
			// The Slack connection was deauthorized: deploy authorizes it again.
			conns, err := a.Destinations("us-east-1").Connections(t.Context(), chain.ChannelPrefix)
			if err != nil || len(conns) != 2 {
				t.Fatalf("connections: %v, %v", conns, err)
			}
			for _, c := range conns {
				if strings.Contains(c.Name, "slack") {
					if err := a.DeauthorizeConnection("us-east-1", c.Name, "test"); err != nil {
						t.Fatal(err)
					}
				}
			}
			return append([]string{"deploy", "--slack", simSlack}, simRegions...)
		}, []int{0}},
		{"status with channels", deploy.CmdStatus, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--slack", simSlack}, simRegions...)...)
			return append([]string{"status"}, simRegions...)
		}, []int{0, 1}},
		{"destroy with channels", deploy.CmdDestroy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--slack", simSlack}, simRegions...)...)
			return []string{"destroy"}
		}, []int{0}},
		{"redeploy makes the channel role rootwatch's again", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--slack", simSlack}, simRegions...)...)
			tamperRole(t, a, chain.ChannelRoleName, true)
			// A bare deploy: the channels' secrets are not needed to repair their role.
			return append([]string{"deploy"}, simRegions...)
		}, []int{0}},
		// The boundary goes back before rootwatch's own policy is put back:
		// PutRolePolicy is allowed only under rootwatch's boundary.
		{"redeploy after the channel role's boundary was replaced and its policy deleted", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--slack", simSlack}, simRegions...)...)
			tamperRole(t, a, chain.ChannelRoleName, true)
			if err := a.Roles().DeleteRolePolicy(t.Context(), chain.ChannelRoleName, chain.ChannelPolicyName); err != nil {
				t.Fatal(err)
			}
			return append([]string{"deploy", "--slack", simSlack}, simRegions...)
		}, []int{0}},
		// A bare deploy rebuilds the channel role's own policy and trust from
		// the deployed API destinations, after putting the boundary back.
		{"bare deploy restores the channel role's policy", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--slack", simSlack, "--webhook", simWebhook}, simRegions...)...)
			tamperRole(t, a, chain.ChannelRoleName, true)
			if err := a.Roles().DeleteRolePolicy(t.Context(), chain.ChannelRoleName, chain.ChannelPolicyName); err != nil {
				t.Fatal(err)
			}
			if err := a.Roles().UpdateTrust(t.Context(), chain.ChannelRoleName, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`); err != nil {
				t.Fatal(err)
			}
			return append([]string{"deploy"}, simRegions...)
		}, []int{0}},
		{"redeploy after the forwarder role's boundary was replaced and its policy deleted", deploy.CmdDeploy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com"}, simRegions...)...)
			tamperRole(t, a, chain.ForwarderRoleName, true)
			if err := a.Roles().DeleteRolePolicy(t.Context(), chain.ForwarderRoleName, chain.ForwarderPolicyName); err != nil {
				t.Fatal(err)
			}
			return append([]string{"deploy"}, simRegions...)
		}, []int{0}},
		{"destroy after others added policies to its roles", deploy.CmdDestroy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--slack", simSlack}, simRegions...)...)
			tamperRole(t, a, chain.ForwarderRoleName, false)
			tamperRole(t, a, chain.ChannelRoleName, false)
			return []string{"destroy"}
		}, []int{0}},
		{"destroy after someone replaced a role's boundary", deploy.CmdDestroy, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--slack", simSlack}, simRegions...)...)
			tamperRole(t, a, chain.ForwarderRoleName, true) // replaced
			tamperRole(t, a, chain.ChannelRoleName, false)
			if err := a.SetRoleBoundary(chain.ChannelRoleName, ""); err != nil { // removed
				t.Fatal(err)
			}
			return []string{"destroy"}
		}, []int{0}},
		{"test with channels", deploy.CmdTest, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com", "--slack", simSlack}, simRegions...)...)
			a.ConfirmSubscription("arn:aws:sns:us-east-1:"+a.ID()+":"+chain.TopicName, "sec@example.com")
			return []string{"test", "--timeout", "5s"}
		}, []int{0, 1}},
		{"status", deploy.CmdStatus, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com"}, simRegions...)...)
			a.SendMessage("us-east-1", chain.DLQName, "undelivered")
			return append([]string{"status"}, simRegions...)
		}, []int{0, 1}},
		{"status --topic-arn (encrypted)", deploy.CmdStatus, func(a *fake.Account) deploy.PolicyOptions {
			return deploy.PolicyOptions{TopicARNs: []string{simTopicARN(a)}}
		}, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			withForeignTopic(t, a)
			mustRun(t, a, append([]string{"deploy", "--topic-arn", simTopicARN(a), "--fix-kms-policy"}, simRegions...)...)
			return append([]string{"status", "--topic-arn", simTopicARN(a)}, simRegions...)
		}, []int{0, 1}},
		{"test --topic-arn (encrypted)", deploy.CmdTest, func(a *fake.Account) deploy.PolicyOptions {
			return deploy.PolicyOptions{TopicARNs: []string{simTopicARN(a)}}
		}, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			withForeignTopic(t, a)
			mustRun(t, a, append([]string{"deploy", "--topic-arn", simTopicARN(a), "--fix-kms-policy"}, simRegions...)...)
			return []string{"test", "--timeout", "5s", "--topic-arn", simTopicARN(a)}
		}, []int{0, 1}},
		{"destroy --delete-trail", deploy.CmdDestroy, none, func(t *testing.T, a *fake.Account) []string {
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--create-trail"}, simRegions...)...)
			return []string{"destroy", "--delete-trail"}
		}, []int{0}},
		{"destroy --topic-arn", deploy.CmdDestroy, func(a *fake.Account) deploy.PolicyOptions {
			return deploy.PolicyOptions{TopicARNs: []string{simTopicARN(a)}}
		}, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			withForeignTopic(t, a)
			mustRun(t, a, append([]string{"deploy", "--topic-arn", simTopicARN(a), "--fix-kms-policy"}, simRegions...)...)
			return []string{"destroy", "--topic-arn", simTopicARN(a)}
		}, []int{0}},
		{"test", deploy.CmdTest, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			withBoundary(t, a)
			mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com"}, simRegions...)...)
			a.ConfirmSubscription("arn:aws:sns:us-east-1:"+a.ID()+":"+chain.TopicName, "sec@example.com")
			return []string{"test", "--timeout", "5s", "--notify"}
		}, []int{0, 1}},
		{"audit", deploy.CmdAudit, none, func(t *testing.T, a *fake.Account) []string {
			a.SetPosture(&fake.Posture{
				Report:     []byte(fake.ReportHeader + "<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00,not_supported,2025-01-10T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"),
				Summary:    map[string]int{"AccountMFAEnabled": 1},
				Contacts:   map[string]cloud.Contact{cloud.ContactSecurity: {Name: "Sec", Email: "sec@example.com"}},
				Org:        &cloud.Organization{ID: "o-abc123", ManagementAccount: a.ID()},
				Features:   []string{cloud.FeatureRootCredentialsManagement, cloud.FeatureRootSessions},
				Members:    []cloud.OrgAccount{{ID: a.ID(), Status: "ACTIVE"}, {ID: "111111111111", Name: "prod", Status: "ACTIVE"}},
				MemberRoot: map[string]cloud.RootCredentials{"111111111111": {}},
			})
			return []string{"audit"}
		}, []int{0, 1}},
		{"confirm", deploy.CmdConfirm, none, func(t *testing.T, a *fake.Account) []string {
			putTrail(t, a)
			mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com"}, simRegions...)...)
			return []string{"confirm", a.SubscriptionToken("arn:aws:sns:us-east-1:"+a.ID()+":"+chain.TopicName, "sec@example.com")}
		}, []int{0}},
		{"scan --lookup", deploy.CmdScan, none, func(t *testing.T, a *fake.Account) []string {
			return []string{"scan", "--lookup", "--regions", "us-east-1"}
		}, []int{0, 1}},
		{"scan s3://", deploy.CmdScan, func(*fake.Account) deploy.PolicyOptions {
			return deploy.PolicyOptions{Buckets: []string{"org-archive"}}
		}, func(t *testing.T, a *fake.Account) []string {
			if err := a.Buckets().CreateBucket(t.Context(), "org-archive", "us-east-1", "", nil); err != nil {
				t.Fatal(err)
			}
			key := "AWSLogs/" + a.ID() + "/CloudTrail/us-east-1/2026/11/30/" + a.ID() + "_CloudTrail_us-east-1_20261130T0000Z_x.json"
			if err := a.PutObject("org-archive", key, []byte(`{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},"eventTime":"2026-11-30T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1"}]}`)); err != nil {
				t.Fatal(err)
			}
			return []string{"scan", "s3://org-archive/"}
		}, []int{0, 1}},
	}
}

// runUnder runs a scenario on a fresh account under policy (nil: the
// scenario's own printed policy) and returns the exit code, the output, the
// calls made and the requests refused.
func runUnder(t *testing.T, sc scenario, policy func(a *fake.Account) simPolicy) (code int, out string, calls []cloudtest.Call, denied []string) {
	t.Helper()
	a := fake.NewWith(fake.Options{Now: func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }})
	args := sc.setup(t, a)
	pol := policy(a)
	rec := cloudtest.Record(a)
	rec.Authorize(func(c cloudtest.Call) error {
		calls = append(calls, c)
		for _, req := range requests(t, a, c) {
			if !pol.allows(req) {
				denied = append(denied, c.Method+": "+req.String())
				return errDenied
			}
		}
		return nil
	})
	code, stdout, stderr := runCLI(t, rec, args...)
	return code, stdout + stderr, calls, denied
}

func printedPolicy(t *testing.T, sc scenario) func(a *fake.Account) simPolicy {
	return func(a *fake.Account) simPolicy {
		o := sc.opts(a)
		o.Commands = []string{sc.command}
		if strings.Contains(sc.name, "--fix-kms-policy") || strings.Contains(sc.name, "destroy --topic-arn") {
			o.KeyARNs = []string{keyARN(t, a)}
		}
		return parsePolicy(t, deploy.IAMPolicy(o), a.ID())
	}
}

// TestIAMPolicyAllowsEveryCall: each command, on every path the scenarios
// take, succeeds under the policy iam-policy prints for it, and every call it
// makes is authorized with the context AWS sends. It also checks that each
// row of the table is used by every command it names.
func TestIAMPolicyAllowsEveryCall(t *testing.T) {
	used := map[string]bool{} // method + " " + command
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			code, out, calls, denied := runUnder(t, sc, printedPolicy(t, sc))
			if len(denied) > 0 {
				t.Errorf("denied:\n  %s\noutput:\n%s", strings.Join(denied, "\n  "), out)
			}
			if !slices.Contains(sc.codes, code) {
				t.Errorf("exit %d, want one of %v\n%s", code, sc.codes, out)
			}
			for _, c := range calls {
				used[c.Method+" "+sc.command] = true
			}
		})
	}
	// Rows no scenario on the fake can reach, and why.
	unreachable := map[string]string{
		"CreateTopic test":         "test probes EventBridge → SQS and SNS → SQS with a topic of its own only when the endpoint swallows the delivery (moto); the fake always delivers or dead-letters",
		"DeleteTopic test":         "see CreateTopic",
		"UpdateDestination deploy": "a destination is updated only when its settings drifted from the channel's, which the fake offers no way to cause",
	}
	for _, p := range deploy.Permissions {
		for _, c := range p.Commands {
			if c == deploy.CmdOrg {
				// --org spans accounts; its grants are not simulated here.
				t.Logf("not exercised: %s for org", p.Method)
				continue
			}
			if why, ok := unreachable[p.Method+" "+c]; ok {
				t.Logf("not exercised: %s for %s: %s", p.Method, c, why)
				continue
			}
			if !used[p.Method+" "+c] {
				t.Errorf("the table grants %s to %s, which no scenario of %s calls: remove it, or add the scenario that needs it", p.Method, c, c)
			}
		}
	}
}

// TestIAMPolicyMinimal: taking any one statement away from a command's policy
// makes one of that command's scenarios fail a call.
func TestIAMPolicyMinimal(t *testing.T) {
	byCommand := map[string][]scenario{}
	for _, sc := range scenarios() {
		byCommand[sc.command] = append(byCommand[sc.command], sc)
	}
	for cmd, scs := range byCommand {
		// The union of the scenarios' options gives the statements to try.
		a := fake.New()
		sids := map[string]bool{}
		for _, sc := range scs {
			o := sc.opts(a)
			o.Commands = []string{cmd}
			o.KeyARNs = []string{"arn:aws:kms:us-east-1:" + a.ID() + ":key/x"}
			for _, st := range deploy.PolicyStatements(o) {
				sids[st.Sid] = true
			}
		}
		for sid := range sids {
			t.Run(cmd+"/"+sid, func(t *testing.T) {
				if cmd == deploy.CmdTest && sid == "RootwatchTestTopics" {
					t.Skip("only the probe path uses it; the fake never takes it (see TestIAMPolicyAllowsEveryCall)")
				}
				for _, sc := range scs {
					full := printedPolicy(t, sc)
					_, _, _, denied := runUnder(t, sc, func(a *fake.Account) simPolicy { return full(a).without(sid) })
					if len(denied) > 0 {
						return
					}
				}
				t.Errorf("no %s scenario needs statement %s", cmd, sid)
			})
		}
	}
}

// TestIAMPolicyRefusesEscalation: what the deploy policy must not allow.
func TestIAMPolicyRefusesEscalation(t *testing.T) {
	const acct = "123456789012"
	role := "arn:aws:iam::" + acct + ":role/" + chain.ForwarderRoleName
	boundary := deploy.BoundaryARN("aws", acct)
	alerts := "arn:aws:sns:us-east-1:" + acct + ":" + chain.TopicName
	bus := "arn:aws:events:us-east-1:" + acct + ":event-bus/" + chain.BusName
	fwdRule := "arn:aws:events:eu-west-1:" + acct + ":rule/" + chain.ForwardRuleName
	all := parsePolicy(t, deploy.IAMPolicy(deploy.PolicyOptions{}), acct)
	dep := parsePolicy(t, deploy.IAMPolicy(deploy.PolicyOptions{Commands: []string{deploy.CmdDeploy}}), acct)
	des := parsePolicy(t, deploy.IAMPolicy(deploy.PolicyOptions{Commands: []string{deploy.CmdDestroy}}), acct)
	channels := "arn:aws:iam::" + acct + ":role/" + chain.ChannelRoleName
	withB := map[string][]string{"iam:PermissionsBoundary": {boundary}}
	otherB := map[string][]string{"iam:PermissionsBoundary": {"arn:aws:iam::" + acct + ":policy/anything"}}
	for _, tc := range []struct {
		name string
		pol  simPolicy
		req  iamRequest
		want bool
	}{
		{"put a role policy on the forwarder with the boundary", dep, iamRequest{"iam:PutRolePolicy", role, withB}, true},
		{"put a role policy on the forwarder without a boundary", dep, iamRequest{"iam:PutRolePolicy", role, nil}, false},
		{"put a role policy on the forwarder with another boundary", dep, iamRequest{"iam:PutRolePolicy", role, otherB}, false},
		{"create the forwarder with the boundary", dep, iamRequest{"iam:CreateRole", role, withB}, true},
		{"create the forwarder without a boundary", dep, iamRequest{"iam:CreateRole", role, nil}, false},
		{"create another role with the boundary", dep, iamRequest{"iam:CreateRole", "arn:aws:iam::" + acct + ":role/admin", withB}, false},
		{"remove the forwarder's boundary", all, iamRequest{"iam:DeleteRolePermissionsBoundary", role, withB}, false},
		{"replace the forwarder's boundary", all, iamRequest{"iam:PutRolePermissionsBoundary", role, otherB}, false},
		{"attach a managed policy to the forwarder", all, iamRequest{"iam:AttachRolePolicy", role, withB}, false},
		{"create the boundary policy", all, iamRequest{"iam:CreatePolicy", boundary, nil}, false},
		{"write a new version of the boundary", all, iamRequest{"iam:CreatePolicyVersion", boundary, nil}, false},
		{"pass the forwarder to EventBridge", dep, iamRequest{"iam:PassRole", role, map[string][]string{"iam:PassedToService": {"events.amazonaws.com"}}}, true},
		{"pass the forwarder to Lambda", dep, iamRequest{"iam:PassRole", role, map[string][]string{"iam:PassedToService": {"lambda.amazonaws.com"}}}, false},
		{"pass another role", dep, iamRequest{"iam:PassRole", "arn:aws:iam::" + acct + ":role/admin", map[string][]string{"iam:PassedToService": {"events.amazonaws.com"}}}, false},
		{"target the home bus", dep, iamRequest{"events:PutTargets", fwdRule, map[string][]string{"events:TargetArn": {bus}}}, true},
		{"target rootwatch's topic", dep, iamRequest{"events:PutTargets", fwdRule, map[string][]string{"events:TargetArn": {alerts}}}, true},
		{"target another account's bus", dep, iamRequest{"events:PutTargets", fwdRule, map[string][]string{"events:TargetArn": {"arn:aws:events:us-east-1:999999999999:event-bus/" + chain.BusName}}}, false},
		{"target another topic of the account", dep, iamRequest{"events:PutTargets", fwdRule, map[string][]string{"events:TargetArn": {"arn:aws:sns:us-east-1:" + acct + ":attacker"}}}, false},
		{"target a foreign ARN among legitimate ones", dep, iamRequest{"events:PutTargets", fwdRule, map[string][]string{"events:TargetArn": {bus, "arn:aws:lambda:us-east-1:" + acct + ":function:x"}}}, false},
		{"put targets on a rule not rootwatch's", dep, iamRequest{"events:PutTargets", "arn:aws:events:us-east-1:" + acct + ":rule/other", map[string][]string{"events:TargetArn": {bus}}}, false},
		{"edit another topic's policy without --topic-arn", all, iamRequest{"sns:SetTopicAttributes", "arn:aws:sns:us-east-1:" + acct + ":ops", nil}, false},
		{"subscribe to another topic without --topic-arn", all, iamRequest{"sns:Subscribe", "arn:aws:sns:us-east-1:" + acct + ":ops", nil}, false},
		{"write a key policy without --kms-key-arn", all, iamRequest{"kms:PutKeyPolicy", "arn:aws:kms:us-east-1:" + acct + ":key/x", nil}, false},
		{"take root of a member with another task policy", all, iamRequest{"sts:AssumeRoot", "arn:aws:iam::111111111111:root", map[string][]string{"sts:TaskPolicyArn": {"arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"}}}, false},
		{"read another account's bus", all, iamRequest{"events:DescribeEventBus", "arn:aws:events:us-east-1:999999999999:event-bus/" + chain.BusName, nil}, false},
		// Repairing the forwarder role (issue 9 case 5) only ever bounds it
		// by rootwatch's boundary, and changes it only while so bounded.
		{"put rootwatch's boundary back on the forwarder", dep, iamRequest{"iam:PutRolePermissionsBoundary", role, withB}, true},
		{"put another boundary on the forwarder", dep, iamRequest{"iam:PutRolePermissionsBoundary", role, otherB}, false},
		{"put rootwatch's boundary on another role", dep, iamRequest{"iam:PutRolePermissionsBoundary", "arn:aws:iam::" + acct + ":role/admin", withB}, false},
		{"remove the forwarder's boundary with the deploy policy", dep, iamRequest{"iam:DeleteRolePermissionsBoundary", role, withB}, false},
		{"attach a managed policy to the forwarder with the deploy policy", dep, iamRequest{"iam:AttachRolePolicy", role, withB}, false},
		{"detach a policy from the bounded forwarder", dep, iamRequest{"iam:DetachRolePolicy", role, withB}, true},
		{"detach a policy from the forwarder bounded by another policy", dep, iamRequest{"iam:DetachRolePolicy", role, otherB}, false},
		{"detach a policy from the unbounded forwarder", dep, iamRequest{"iam:DetachRolePolicy", role, nil}, false},
		{"detach a policy from another role", dep, iamRequest{"iam:DetachRolePolicy", "arn:aws:iam::" + acct + ":role/admin", withB}, false},
		{"delete an inline policy of the bounded forwarder", dep, iamRequest{"iam:DeleteRolePolicy", role, withB}, true},
		{"delete an inline policy of the forwarder bounded by another policy", dep, iamRequest{"iam:DeleteRolePolicy", role, otherB}, false},
		// The channel role's repair likewise: its own ARN only, only while
		// bounded by rootwatch's boundary, and never attaching or unbounding.
		{"put rootwatch's boundary back on the channel role", dep, iamRequest{"iam:PutRolePermissionsBoundary", channels, withB}, true},
		{"put another boundary on the channel role", dep, iamRequest{"iam:PutRolePermissionsBoundary", channels, otherB}, false},
		{"remove the channel role's boundary", all, iamRequest{"iam:DeleteRolePermissionsBoundary", channels, withB}, false},
		{"attach a managed policy to the channel role", all, iamRequest{"iam:AttachRolePolicy", channels, withB}, false},
		{"delete an inline policy of the bounded channel role", dep, iamRequest{"iam:DeleteRolePolicy", channels, withB}, true},
		{"delete an inline policy of the channel role bounded by another policy", dep, iamRequest{"iam:DeleteRolePolicy", channels, otherB}, false},
		{"delete an inline policy of the unbounded channel role", dep, iamRequest{"iam:DeleteRolePolicy", channels, nil}, false},
		{"detach a policy from the bounded channel role", dep, iamRequest{"iam:DetachRolePolicy", channels, withB}, true},
		{"detach a policy from the channel role bounded by another policy", dep, iamRequest{"iam:DetachRolePolicy", channels, otherB}, false},
		{"detach a policy from a role named like the channel role", dep, iamRequest{"iam:DetachRolePolicy", channels + "-x", withB}, false},
		{"list the channel role's policies", dep, iamRequest{"iam:ListAttachedRolePolicies", channels, nil}, true},
		{"list another role's policies", all, iamRequest{"iam:ListAttachedRolePolicies", "arn:aws:iam::" + acct + ":role/admin", nil}, false},
		// destroy empties rootwatch's roles before deleting them, the same way.
		{"destroy: detach a policy from the bounded forwarder", des, iamRequest{"iam:DetachRolePolicy", role, withB}, true},
		{"destroy: detach a policy from the bounded channel role", des, iamRequest{"iam:DetachRolePolicy", channels, withB}, true},
		{"destroy: detach a policy from the forwarder bounded by another policy", des, iamRequest{"iam:DetachRolePolicy", role, otherB}, false},
		{"destroy: detach a policy from the unbounded channel role", des, iamRequest{"iam:DetachRolePolicy", channels, nil}, false},
		{"destroy: detach a policy from another role", des, iamRequest{"iam:DetachRolePolicy", "arn:aws:iam::" + acct + ":role/admin", withB}, false},
		{"destroy: delete an inline policy of another role", des, iamRequest{"iam:DeleteRolePolicy", "arn:aws:iam::" + acct + ":role/admin", withB}, false},
		{"destroy: delete another role", des, iamRequest{"iam:DeleteRole", "arn:aws:iam::" + acct + ":role/admin", nil}, false},
		{"destroy: attach a policy to the forwarder", des, iamRequest{"iam:AttachRolePolicy", role, withB}, false},
		{"destroy: remove the channel role's boundary", des, iamRequest{"iam:DeleteRolePermissionsBoundary", channels, withB}, false},
		// ... and bounds them by rootwatch's boundary again first, when
		// someone replaced or removed it: that boundary only, those roles only.
		{"destroy: put rootwatch's boundary back on the forwarder", des, iamRequest{"iam:PutRolePermissionsBoundary", role, withB}, true},
		{"destroy: put rootwatch's boundary back on the channel role", des, iamRequest{"iam:PutRolePermissionsBoundary", channels, withB}, true},
		{"destroy: put another boundary on the forwarder", des, iamRequest{"iam:PutRolePermissionsBoundary", role, otherB}, false},
		{"destroy: put another boundary on the channel role", des, iamRequest{"iam:PutRolePermissionsBoundary", channels, otherB}, false},
		{"destroy: put a boundary on the channel role without naming one", des, iamRequest{"iam:PutRolePermissionsBoundary", channels, nil}, false},
		{"destroy: put rootwatch's boundary on another role", des, iamRequest{"iam:PutRolePermissionsBoundary", "arn:aws:iam::" + acct + ":role/admin", withB}, false},
		{"destroy: put rootwatch's boundary on a role named like the forwarder", des, iamRequest{"iam:PutRolePermissionsBoundary", role + "-x", withB}, false},
		{"destroy: remove the forwarder's boundary", des, iamRequest{"iam:DeleteRolePermissionsBoundary", role, withB}, false},
		{"destroy: delete rootwatch's boundary policy", des, iamRequest{"iam:DeletePolicy", boundary, nil}, false},
		{"destroy: write a new version of rootwatch's boundary", des, iamRequest{"iam:CreatePolicyVersion", boundary, nil}, false},
		{"destroy: read rootwatch's boundary", des, iamRequest{"iam:GetPolicy", boundary, nil}, true},
		{"destroy: read another managed policy", des, iamRequest{"iam:GetPolicy", "arn:aws:iam::" + acct + ":policy/mute", nil}, false},
		{"destroy: delete a managed policy someone attached", des, iamRequest{"iam:DeletePolicy", "arn:aws:iam::" + acct + ":policy/mute", nil}, false},
		{"destroy: list the channel role's policies", des, iamRequest{"iam:ListRolePolicies", channels, nil}, true},
	} {
		if got := tc.pol.allows(tc.req); got != tc.want {
			t.Errorf("%s (%s): allowed = %v, want %v", tc.name, tc.req, got, tc.want)
		}
	}

	// deploy --org: the --role-name role in a member account holds the
	// deploy policy, and IAM resolves its account variable to the member's:
	// the member's forwarder can be created and written only with the
	// boundary in the member's own account (the variant naming the central
	// bus, which deploy checks), not the central account's, nor none.
	const member = "222222222222"
	depM := parsePolicy(t, deploy.IAMPolicy(deploy.PolicyOptions{Commands: []string{deploy.CmdDeploy}}), member)
	memberRole := "arn:aws:iam::" + member + ":role/" + chain.ForwarderRoleName
	for _, tc := range []struct {
		name string
		req  iamRequest
		want bool
	}{
		{"create the member forwarder with the member's boundary", iamRequest{"iam:CreateRole", memberRole, map[string][]string{"iam:PermissionsBoundary": {deploy.BoundaryARN("aws", member)}}}, true},
		{"create the member forwarder with the central account's boundary", iamRequest{"iam:CreateRole", memberRole, withB}, false},
		{"create the member forwarder without a boundary", iamRequest{"iam:CreateRole", memberRole, nil}, false},
		{"put a role policy on the member forwarder with the member's boundary", iamRequest{"iam:PutRolePolicy", memberRole, map[string][]string{"iam:PermissionsBoundary": {deploy.BoundaryARN("aws", member)}}}, true},
		{"put a role policy on the member forwarder without a boundary", iamRequest{"iam:PutRolePolicy", memberRole, nil}, false},
	} {
		if got := depM.allows(tc.req); got != tc.want {
			t.Errorf("member account: %s (%s): allowed = %v, want %v", tc.name, tc.req, got, tc.want)
		}
	}

	// With --topic-arn and --kms-key-arn, exactly those become editable.
	ops := "arn:aws:sns:us-east-1:" + acct + ":ops"
	key := "arn:aws:kms:us-east-1:" + acct + ":key/1234"
	given := parsePolicy(t, deploy.IAMPolicy(deploy.PolicyOptions{Commands: []string{deploy.CmdDeploy}, TopicARNs: []string{ops}, KeyARNs: []string{key}}), acct)
	for _, tc := range []struct {
		req  iamRequest
		want bool
	}{
		{iamRequest{"sns:SetTopicAttributes", ops, nil}, true},
		{iamRequest{"sns:Subscribe", ops, nil}, true},
		{iamRequest{"events:PutTargets", fwdRule, map[string][]string{"events:TargetArn": {ops}}}, true},
		{iamRequest{"kms:PutKeyPolicy", key, nil}, true},
		{iamRequest{"sns:SetTopicAttributes", "arn:aws:sns:us-east-1:" + acct + ":ops2", nil}, false},
		{iamRequest{"kms:PutKeyPolicy", "arn:aws:kms:us-east-1:" + acct + ":key/5678", nil}, false},
	} {
		if got := given.allows(tc.req); got != tc.want {
			t.Errorf("with --topic-arn and --kms-key-arn: %s: allowed = %v, want %v", tc.req, got, tc.want)
		}
	}
}

// TestIAMPolicyStatusReadOnly: the policy for scheduled status checks only
// reads.
func TestIAMPolicyStatusReadOnly(t *testing.T) {
	for _, st := range deploy.PolicyStatements(deploy.PolicyOptions{Commands: []string{deploy.CmdStatus}, TopicARNs: []string{"arn:aws:sns:us-east-1:123456789012:ops"}}) {
		for _, a := range st.Action {
			if !deploy.ReadOnlyAction(a) {
				t.Errorf("status policy statement %s grants %s, which is not read-only", st.Sid, a)
			}
		}
	}
}

// TestIAMPolicyBoundaryFake: in the fake, a forwarder bounded by the boundary
// still forwards, and one whose inline policy was widened gains nothing
// beyond the boundary.
func TestIAMPolicyBoundaryFake(t *testing.T) {
	a := newAccount(t)
	withBoundary(t, a)
	mustRun(t, a, append([]string{"deploy"}, simRegions...)...)
	r, err := a.Roles().Role(t.Context(), chain.ForwarderRoleName)
	if err != nil {
		t.Fatal(err)
	}
	if r.PermissionsBoundary != deploy.BoundaryARN("aws", a.ID()) {
		t.Fatalf("forwarder boundary = %q", r.PermissionsBoundary)
	}
	doc, _ := url.QueryUnescape(deploy.BoundaryPolicy())
	if !strings.Contains(doc, `"events:PutEvents"`) || strings.Contains(doc, "iam:") {
		t.Errorf("boundary policy:\n%s", doc)
	}

	// A boundary that is not rootwatch's is refused before any change.
	b := newAccount(t)
	if _, err := b.CreateManagedPolicy(deploy.BoundaryPolicyName, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	rec := cloudtest.Record(b)
	code, out, errs := runCLI(t, rec, append([]string{"deploy"}, simRegions...)...)
	if code != 2 || !strings.Contains(errs, "is not rootwatch's") || len(rec.Mutations()) != 0 {
		t.Errorf("deploy with a permissive boundary: exit %d, mutations %v\n%s%s", code, rec.Mutations(), out, errs)
	}
}

// putTrail records a trail that passes deploy's pre-flight check.
func putTrail(t *testing.T, a *fake.Account) {
	t.Helper()
	if err := a.PutTrail(cloud.Trail{Name: "org", HomeRegion: "us-east-1", Bucket: "org-logs", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
}

// tamperRole puts on role what an administrator might: an inline policy and
// an attached managed policy, each denying every events call, and with
// boundary a permissions boundary of their own in place of rootwatch's.
func tamperRole(t *testing.T, a *fake.Account, role string, boundary bool) {
	t.Helper()
	const deny = `{"Version":"2012-10-17","Statement":[{"Sid":"Mute","Effect":"Deny","Action":"events:*","Resource":"*"}]}`
	if err := a.Roles().PutRolePolicy(t.Context(), role, "mute", deny); err != nil {
		t.Fatal(err)
	}
	arn, err := a.CreateManagedPolicy("mute-"+role, deny)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AttachRolePolicy(role, arn); err != nil {
		t.Fatal(err)
	}
	if boundary {
		if err := a.SetRoleBoundary(role, arn); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIAMPolicyDestroyForeignBoundary: under the printed destroy policy, with
// rootwatch's boundary missing and a boundary of someone else's on the
// forwarder role, destroy cannot empty that role. It says so in the plan
// (with --dry-run too), then stops at its first change with nothing
// changed, rather than halfway through the account.
func TestIAMPolicyDestroyForeignBoundary(t *testing.T) {
	setup := func(t *testing.T, a *fake.Account) {
		putTrail(t, a)
		mustRun(t, a, append([]string{"deploy"}, simRegions...)...) // an administrator's, without rootwatch's boundary
		arn, err := a.CreateManagedPolicy("narrow", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetRoleBoundary(chain.ForwarderRoleName, arn); err != nil {
			t.Fatal(err)
		}
	}
	const want = "aws iam create-policy --policy-name " + deploy.BoundaryPolicyName
	for _, args := range [][]string{{"destroy", "--dry-run"}, {"destroy"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			sc := scenario{name: "destroy, foreign boundary, none of rootwatch's", command: deploy.CmdDestroy,
				opts:  func(*fake.Account) deploy.PolicyOptions { return deploy.PolicyOptions{} },
				setup: func(t *testing.T, a *fake.Account) []string { setup(t, a); return args }}
			code, out, calls, denied := runUnder(t, sc, printedPolicy(t, sc))
			if !strings.Contains(out, "warning: role "+chain.ForwarderRoleName+" has the permissions boundary") || !strings.Contains(out, want) {
				t.Errorf("output lacks the warning and %q:\n%s", want, out)
			}
			if args[len(args)-1] == "--dry-run" {
				if code != 0 || len(denied) > 0 {
					t.Errorf("dry run: exit %d, denied %v\n%s", code, denied, out)
				}
				return
			}
			if code == 0 || len(denied) != 1 || !strings.HasPrefix(denied[0], "DeleteRolePolicy: ") {
				t.Fatalf("exit %d, denied %v; want destroy refused its first DeleteRolePolicy\n%s", code, denied, out)
			}
			for _, c := range calls[:len(calls)-1] {
				if cloudtest.IsMutating(c.Method) {
					t.Errorf("%s %s was made before the refused call: destroy changed the account before failing", c.Method, c.Resource)
				}
			}
			if !strings.Contains(out, "after 0 changes applied") {
				t.Errorf("output does not say that nothing was changed:\n%s", out)
			}
		})
	}
}
