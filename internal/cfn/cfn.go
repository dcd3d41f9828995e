// Package cfn renders rootwatch's alert chain as CloudFormation templates, for
// teams that deploy only through CloudFormation and review.
//
// The templates are not a second description of the chain: they are rendered
// from the same desired state (chain.Spec) that deploy applies through the
// API. The spec is computed with CloudFormation's pseudo parameters in place
// of the account, the partition and the regions, so every name, ARN, pattern,
// input transformer, policy and tag in a template is the one deploy would
// write; status, test and destroy then work on a stack-deployed chain
// unchanged.
//
// Two templates serve any account:
//   - the home template (stack HomeStackName in the home region): the bus, the
//     alert rules, the topic with its policy statement and e-mail
//     subscriptions, the forwarder role, and the home region's dead-letter
//     queue and forwarding rule;
//   - the forwarder template (stack ForwarderStackName in every other region),
//     parameterised by the home region: the region's dead-letter queue,
//     forwarding rule and heartbeat rule.
//
// A third, the watch template (stack WatchStackName in the home region), holds
// what makes a broken chain loud (chain.Watch): the home bus's rule counting
// each region's heartbeats and the CloudWatch alarms. It names the exported
// regions (one beat rule and one alarm each), so it is re-exported when they
// change; kept apart, it also keeps the home template within CloudFormation's
// inline size.
package cfn

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// Names of the stacks, the template files and the forwarder's parameter.
const (
	HomeStackName      = "rootwatch"
	ForwarderStackName = "rootwatch-forwarder"
	WatchStackName     = "rootwatch-watch"
	HomeTemplateFile   = "rootwatch-home.json"
	ForwarderFile      = "rootwatch-forwarder.json"
	WatchTemplateFile  = "rootwatch-watch.json"
	ManifestFile       = "manifest.json"
	ParamHomeRegion    = "HomeRegion"
)

// Logical IDs of the templates' resources. Alert rules are AlertRuleLogicalID(id).
const (
	idBus          = "Bus"
	idTopic        = "Topic"
	idTopicPolicy  = "TopicPolicy"
	idRole         = "ForwarderRole"
	idDLQ          = "DeadLetterQueue"
	idDLQPolicy    = "DeadLetterQueuePolicy"
	idForwardRule  = "ForwardRule"
	idSubscription = "Subscription"
	idBusPolicy    = "BusPolicy"
	idHeartbeat    = "HeartbeatRule"
)

// Resource types the templates use.
const (
	TypeBus          = "AWS::Events::EventBus"
	TypeRule         = "AWS::Events::Rule"
	TypeTopic        = "AWS::SNS::Topic"
	TypeTopicPolicy  = "AWS::SNS::TopicPolicy"
	TypeSubscription = "AWS::SNS::Subscription"
	TypeRole         = "AWS::IAM::Role"
	TypeQueue        = "AWS::SQS::Queue"
	TypeQueuePolicy  = "AWS::SQS::QueuePolicy"
	TypeBusPolicy    = "AWS::Events::EventBusPolicy"
	TypeAlarm        = "AWS::CloudWatch::Alarm"
)

// Options are the user's choices for an export: deploy's, less what a
// template cannot express.
type Options struct {
	HomeRegion string   // "" means chain.DefaultHomeRegion
	Regions    []string // the regions to forward from; the home region is always included
	Emails     []string
	Version    string
}

// Export is what `rootwatch export cloudformation` writes.
type Export struct {
	Home      Template
	Forwarder Template
	Watch     Template
	Manifest  Manifest
}

// Templates returns the templates by the file name the manifest gives them.
func (e Export) Templates() map[string]Template {
	return map[string]Template{HomeTemplateFile: e.Home, ForwarderFile: e.Forwarder, WatchTemplateFile: e.Watch}
}

// Render renders the templates and the manifest for o.
func Render(o Options) (Export, error) {
	home := o.HomeRegion
	if home == "" {
		home = chain.DefaultHomeRegion
	}
	if len(o.Regions) == 0 {
		return Export{}, fmt.Errorf("no regions to forward from")
	}
	for _, r := range append([]string{home}, o.Regions...) {
		if !validRegion(r) {
			return Export{}, fmt.Errorf("%q is not a region name (like eu-west-1)", r)
		}
	}
	id := cloud.Identity{Account: phAccount, Partition: phPartition}
	enabled := append([]string{home}, o.Regions...)
	// The whole deployment, for the manifest: which regions, as deploy
	// computes them.
	whole, err := chain.Desired(id, enabled, chain.Options{HomeRegion: home, Regions: o.Regions, Emails: o.Emails, Version: o.Version})
	if err != nil {
		return Export{}, err
	}
	// The home template: the home region is wherever the stack is deployed.
	hs, err := chain.Desired(id, []string{phRegion}, chain.Options{HomeRegion: phRegion, Regions: []string{phRegion}, Emails: o.Emails, Version: o.Version})
	if err != nil {
		return Export{}, err
	}
	homeT, err := homeTemplate(hs)
	if err != nil {
		return Export{}, err
	}
	// The forwarder template: any region, forwarding to HomeRegion.
	fs, err := chain.Desired(id, []string{phHome, phRegion}, chain.Options{HomeRegion: phHome, Regions: []string{phRegion}, Version: o.Version})
	if err != nil {
		return Export{}, err
	}
	fwdT, err := forwarderTemplate(fs)
	if err != nil {
		return Export{}, err
	}
	// The watch template: in the home region, for the exported regions
	// (named), the home region being wherever the stack is deployed.
	var others []string
	for _, r := range whole.Regions {
		if r != home {
			others = append(others, r)
		}
	}
	ws, err := chain.Desired(id, append([]string{phRegion}, others...), chain.Options{HomeRegion: phRegion, Regions: others, Version: o.Version})
	if err != nil {
		return Export{}, err
	}
	watchT, err := watchTemplate(ws)
	if err != nil {
		return Export{}, err
	}
	return Export{Home: homeT, Forwarder: fwdT, Watch: watchT, Manifest: manifest(whole)}, nil
}

// validRegion reports whether r looks like an AWS region name (it ends up in
// ARNs and stack parameters, so nothing else may pass).
func validRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 3 || len(parts[0]) != 2 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for _, c := range p {
			last := i == len(parts)-1
			if !(c >= 'a' && c <= 'z' && !last) && !(c >= '0' && c <= '9' && last) {
				return false
			}
		}
	}
	return true
}

func homeTemplate(s chain.Spec) (Template, error) {
	if !s.Topic.Managed {
		return Template{}, fmt.Errorf("render home template: topic %s is not rootwatch's", s.Topic.ARN)
	}
	rs, ok := s.Forwarder(s.HomeRegion)
	if !ok {
		return Template{}, fmt.Errorf("render home template: no spec for the home region")
	}
	r := refs{
		s.Bus.ARN:   getAtt(idBus, "Arn"),
		s.Topic.ARN: ref(idTopic),
		s.Role.ARN:  getAtt(idRole, "Arn"),
		rs.DLQ.ARN:  getAtt(idDLQ, "Arn"),
	}
	t := Template{
		FormatVersion: "2010-09-09",
		Description:   fmt.Sprintf("rootwatch %s: the root-activity alert chain of the home region (bus, alert rules, topic, forwarder role, this region's forwarding rule). Rendered by rootwatch export cloudformation; do not edit.", s.Tags[cloud.VersionTag]),
		Resources:     map[string]Resource{},
		Outputs: map[string]Output{
			"BusArn":   {Description: "the home bus every region's forwarding rule puts root activity on", Value: getAtt(idBus, "Arn")},
			"TopicArn": {Description: "the SNS topic alerts go to", Value: ref(idTopic)},
			"RoleArn":  {Description: "the role the forwarding rules use", Value: getAtt(idRole, "Arn")},
		},
	}
	t.Resources[idBus] = Resource{Type: TypeBus, Properties: map[string]any{
		"Name": s.Bus.Name,
		"Tags": tagList(s.Tags),
	}}
	t.Resources[idTopic] = Resource{Type: TypeTopic, Properties: map[string]any{
		"TopicName": s.Topic.Name,
		"Tags":      tagList(s.Tags),
	}}
	st, err := r.policy(policy.Document{Version: policy.Version, Statement: policy.Statements{s.Topic.Statement}}.String())
	if err != nil {
		return Template{}, fmt.Errorf("render topic policy: %w", err)
	}
	t.Resources[idTopicPolicy] = Resource{Type: TypeTopicPolicy, Properties: map[string]any{
		"Topics":         []any{ref(idTopic)},
		"PolicyDocument": st,
	}}
	for i, e := range s.Topic.Emails {
		t.Resources[fmt.Sprintf("%s%d", idSubscription, i+1)] = Resource{Type: TypeSubscription, Properties: map[string]any{
			"TopicArn": ref(idTopic),
			"Protocol": "email",
			"Endpoint": e,
		}}
	}
	if s.Bus.Policy != "" {
		bp, err := busPolicyResource(s.Bus.Policy)
		if err != nil {
			return Template{}, err
		}
		t.Resources[idBusPolicy] = bp
		t.Parameters = map[string]Parameter{ParamOrganizationID: orgIDParameter}
		t.Description = fmt.Sprintf("rootwatch %s: the root-activity alert chain of an organization's central account (bus with its policy for the organization's forwarder roles, alert rules, topic, forwarder role, this region's forwarding rule). Rendered by rootwatch export cloudformation --org; do not edit.", s.Tags[cloud.VersionTag])
	}
	role, err := roleResource(s.Role, s.Tags, r)
	if err != nil {
		return Template{}, err
	}
	t.Resources[idRole] = role
	withBoundary(&t)
	if err := addRegion(t.Resources, rs, s, r); err != nil {
		return Template{}, err
	}
	for _, ar := range s.AlertRules {
		res, err := ruleResource(ar, s.Tags, r, s.Bus.Name, getAtt(idBus, "Name"))
		if err != nil {
			return Template{}, err
		}
		t.Resources[AlertRuleLogicalID(ar.RuleID)] = res
	}
	return t, nil
}

func forwarderTemplate(s chain.Spec) (Template, error) {
	rs, ok := s.Forwarder(phRegion)
	if !ok {
		return Template{}, fmt.Errorf("render forwarder template: no spec for the forwarding region")
	}
	r := refs{rs.DLQ.ARN: getAtt(idDLQ, "Arn")}
	t := Template{
		FormatVersion: "2010-09-09",
		Description:   fmt.Sprintf("rootwatch %s: forwards root activity in this region to the rootwatch bus in the home region (forwarding rule, dead-letter queue). Rendered by rootwatch export cloudformation; do not edit.", s.Tags[cloud.VersionTag]),
		Parameters: map[string]Parameter{
			ParamHomeRegion: {
				Type:           "String",
				Description:    "the home region: where the rootwatch stack (bus, alert rules, topic, forwarder role) is deployed",
				AllowedPattern: `^[a-z]{2}(-[a-z]+)+-[0-9]+$`,
			},
		},
		Resources: map[string]Resource{},
	}
	if err := addRegion(t.Resources, rs, s, r); err != nil {
		return Template{}, err
	}
	return t, nil
}

// addRegion adds a region's dead-letter queue, its policy, the forwarding
// rule and, when s has one for the region, the heartbeat rule.
func addRegion(res map[string]Resource, rs chain.Forwarder, s chain.Spec, r refs) error {
	tags := s.Tags
	res[idDLQ] = Resource{Type: TypeQueue, Properties: map[string]any{
		"QueueName": rs.DLQ.Name,
		"Tags":      tagList(tags),
	}}
	qp, err := r.policy(rs.DLQ.Policy)
	if err != nil {
		return fmt.Errorf("render queue policy of %s: %w", rs.DLQ.Name, err)
	}
	res[idDLQPolicy] = Resource{Type: TypeQueuePolicy, Properties: map[string]any{
		"Queues":         []any{ref(idDLQ)},
		"PolicyDocument": qp,
	}}
	fr, err := ruleResource(rs.Rule, tags, r, "", nil)
	if err != nil {
		return err
	}
	res[idForwardRule] = fr
	for _, hb := range s.Watch.Heartbeats {
		if hb.Region != rs.Region {
			continue
		}
		hr, err := ruleResource(hb, tags, r, "", nil)
		if err != nil {
			return err
		}
		res[idHeartbeat] = hr
	}
	return nil
}

// The forwarder role's permissions boundary (chain.RoleSpec.Boundary): the
// policy is the administrator's, outside the stack, so the templates take a
// parameter saying it exists; without it the role is created unbounded, as
// deploy does then.
const (
	ParamBoundary = "ForwarderBoundary"
	condBoundary  = "UseForwarderBoundary"
)

func boundaryParameter() Parameter {
	no := "false"
	return Parameter{
		Type:          "String",
		Description:   "true once an administrator has created the IAM policy " + chain.BoundaryPolicyName + " in the account (rootwatch iam-policy --boundary; in an organization's member accounts, --boundary --central-bus ARN): the forwarder role is then created bounded by it",
		AllowedValues: []string{"false", "true"},
		Default:       &no,
	}
}

// withBoundary adds the boundary's parameter and condition to a template.
func withBoundary(t *Template) {
	if t.Parameters == nil {
		t.Parameters = map[string]Parameter{}
	}
	t.Parameters[ParamBoundary] = boundaryParameter()
	if t.Conditions == nil {
		t.Conditions = map[string]any{}
	}
	t.Conditions[condBoundary] = map[string]any{"Fn::Equals": []any{ref(ParamBoundary), "true"}}
}

// watchTemplate renders the watch template of s: the beat rules on the home
// bus (named: the bus is the home stack's) and the alarms.
func watchTemplate(s chain.Spec) (Template, error) {
	r := refs{}
	t := Template{
		FormatVersion: "2010-09-09",
		Description: fmt.Sprintf("rootwatch %s: makes a broken alert chain loud, in the home region: counts every region's heartbeats on the rootwatch bus, and CloudWatch alarms on failed deliveries, the dead-letter queue and silent regions, mailing the rootwatch topic. Deploy after the rootwatch and rootwatch-forwarder stacks; names the regions %s, so export again when they change. Rendered by rootwatch export cloudformation; do not edit.",
			s.Tags[cloud.VersionTag], strings.ReplaceAll(strings.Join(s.Regions, ", "), phRegion, "the home region")),
		Resources: map[string]Resource{},
	}
	for _, b := range s.Watch.Beats {
		res, err := ruleResource(b, s.Tags, r, s.Bus.Name, s.Bus.Name)
		if err != nil {
			return Template{}, err
		}
		t.Resources[BeatRuleLogicalID(b.Name)] = res
	}
	for _, a := range s.Watch.Alarms {
		t.Resources[AlarmLogicalID(a.Name)] = alarmResource(a, r)
	}
	return t, nil
}

// alarmResource renders a CloudWatch alarm as deploy puts it (PutMetricAlarm).
func alarmResource(a cloud.Alarm, r refs) Resource {
	dims := make([]any, 0, len(a.Dimensions))
	for _, k := range slices.Sorted(maps.Keys(a.Dimensions)) {
		dims = append(dims, map[string]any{"Name": k, "Value": r.value(a.Dimensions[k])})
	}
	actions := make([]any, 0, len(a.AlarmActions))
	for _, act := range a.AlarmActions {
		actions = append(actions, r.value(act))
	}
	return Resource{Type: TypeAlarm, Properties: map[string]any{
		"AlarmName":          r.value(a.Name),
		"AlarmDescription":   r.value(a.Description),
		"Namespace":          a.Namespace,
		"MetricName":         a.Metric,
		"Dimensions":         dims,
		"Statistic":          a.Statistic,
		"Period":             int(a.Period.Seconds()),
		"EvaluationPeriods":  a.EvaluationPeriods,
		"Threshold":          a.Threshold,
		"ComparisonOperator": string(a.Comparison),
		"TreatMissingData":   string(a.TreatMissingData),
		"ActionsEnabled":     a.ActionsEnabled,
		"AlarmActions":       actions,
		"Tags":               tagList(a.Tags),
	}}
}

func roleResource(rs chain.RoleSpec, tags cloud.Tags, r refs) (Resource, error) {
	trust, err := r.policy(rs.Trust)
	if err != nil {
		return Resource{}, fmt.Errorf("render trust policy of role %s: %w", rs.Name, err)
	}
	pol, err := r.policy(rs.Policy)
	if err != nil {
		return Resource{}, fmt.Errorf("render policy %s of role %s: %w", rs.PolicyName, rs.Name, err)
	}
	return Resource{Type: TypeRole, Properties: map[string]any{
		"RoleName":                 rs.Name,
		"Description":              r.value(rs.Description),
		"AssumeRolePolicyDocument": trust,
		"Policies":                 []any{map[string]any{"PolicyName": rs.PolicyName, "PolicyDocument": pol}},
		"Tags":                     tagList(tags),
		"PermissionsBoundary":      map[string]any{"Fn::If": []any{condBoundary, r.value(rs.Boundary.ARN), ref("AWS::NoValue")}},
	}}, nil
}

// ruleResource renders a rule with its one target. The rule's bus is written
// as busRef when it is the template's own bus (busName).
func ruleResource(rs chain.RuleSpec, tags cloud.Tags, r refs, busName string, busRef any) (Resource, error) {
	p := map[string]any{
		"Name":        r.value(rs.Name),
		"State":       string(rs.State),
		"Description": r.value(rs.Description),
		"Tags":        tagList(tags),
	}
	switch {
	case rs.Schedule != "":
		p["ScheduleExpression"] = rs.Schedule
	case !json.Valid([]byte(rs.Pattern)):
		return Resource{}, fmt.Errorf("render rule %s: pattern is not JSON", rs.Name)
	case strings.Contains(rs.Pattern, "${"):
		// A pattern naming the account or a region (a beat rule's): its
		// bytes, each value holding a placeholder written as a Fn::Sub.
		pat, err := subPattern(rs.Pattern, r)
		if err != nil {
			return Resource{}, fmt.Errorf("render rule %s: %w", rs.Name, err)
		}
		p["EventPattern"] = pat
	default:
		// The pattern, byte for byte as the rule pack holds it.
		p["EventPattern"] = json.RawMessage(rs.Pattern)
	}
	if rs.Target.ID != "" {
		p["Targets"] = []any{target(rs.Target, r)}
	}
	switch {
	case busName != "" && rs.Bus == busName:
		p["EventBusName"] = busRef
	case rs.Bus != "" && rs.Bus != cloud.DefaultBus:
		return Resource{}, fmt.Errorf("render rule %s: bus %s is not in the template", rs.Name, rs.Bus)
	}
	return Resource{Type: TypeRule, Properties: p}, nil
}

// subPattern returns pattern's bytes with every string value that holds a
// placeholder replaced by its Fn::Sub (CloudFormation resolves intrinsic
// functions inside an EventPattern map); the members keep their order.
func subPattern(pattern string, r refs) (json.RawMessage, error) {
	var v any
	if err := json.Unmarshal([]byte(pattern), &v); err != nil {
		return nil, err
	}
	var subs []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case string:
			if strings.Contains(x, "${") {
				subs = append(subs, x)
			}
		}
	}
	walk(v)
	out := pattern
	for _, str := range subs {
		lit, sub := encodeJSON(str, ""), encodeJSON(r.value(str), "")
		out = strings.ReplaceAll(out, strings.TrimSuffix(string(lit), "\n"), strings.TrimSuffix(string(sub), "\n"))
	}
	if !json.Valid([]byte(out)) {
		return nil, fmt.Errorf("pattern with substitutions is not JSON: %s", out)
	}
	return json.RawMessage(out), nil
}

func target(t cloud.Target, r refs) map[string]any {
	out := map[string]any{
		"Id":  t.ID,
		"Arn": r.value(t.ARN),
	}
	if t.RoleARN != "" {
		out["RoleArn"] = r.value(t.RoleARN)
	}
	if t.Input != nil {
		paths := make(map[string]string, len(t.Input.Paths))
		for k, v := range t.Input.Paths {
			paths[k] = v
		}
		out["InputTransformer"] = map[string]any{"InputPathsMap": paths, "InputTemplate": t.Input.Template}
	}
	if t.DeadLetterARN != "" {
		out["DeadLetterConfig"] = map[string]any{"Arn": r.value(t.DeadLetterARN)}
	}
	if t.MaxAttempts != 0 || t.MaxAge != 0 {
		rp := map[string]any{}
		if t.MaxAttempts != 0 {
			rp["MaximumRetryAttempts"] = t.MaxAttempts
		}
		if t.MaxAge != 0 {
			rp["MaximumEventAgeInSeconds"] = int(t.MaxAge.Seconds())
		}
		out["RetryPolicy"] = rp
	}
	return out
}

// BeatRuleLogicalID is the logical ID of a beat rule ("BeatRule" and the
// region in CamelCase); AlarmLogicalID that of an alarm ("Alarm" and its name
// after "rootwatch-"). A name holding a placeholder (the home region's) gets
// "Home" in its place.
func BeatRuleLogicalID(name string) string {
	return camel("BeatRule", strings.TrimPrefix(name, chain.BeatRulePrefix))
}

// AlarmLogicalID: see BeatRuleLogicalID.
func AlarmLogicalID(name string) string {
	return camel("Alarm", strings.TrimPrefix(name, chain.AlarmPrefix))
}

func camel(prefix, name string) string {
	name = strings.ReplaceAll(name, phRegion, "home")
	var b strings.Builder
	b.WriteString(prefix)
	for _, w := range strings.FieldsFunc(name, func(c rune) bool { return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// AlertRuleLogicalID is the logical ID of a rule pack rule's alert rule:
// "AlertRule" and the rule ID in CamelCase (root-console-signin-mfa ->
// AlertRuleRootConsoleSigninMfa).
func AlertRuleLogicalID(ruleID string) string {
	var b strings.Builder
	b.WriteString("AlertRule")
	for _, w := range strings.FieldsFunc(ruleID, func(c rune) bool { return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}
