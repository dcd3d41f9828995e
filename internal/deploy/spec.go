package deploy

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// DefaultHomeRegion is the home region when none is given: root console
// sign-ins are recorded there.
const DefaultHomeRegion = "us-east-1"

// Retry policy of every rootwatch target: EventBridge's maximum event age and
// its default number of attempts, set explicitly so that status can check them.
const (
	TargetMaxAttempts = 185
	TargetMaxAge      = 24 * time.Hour
)

// Options are the user's choices for deploy (and what status and destroy need
// to know of them).
type Options struct {
	HomeRegion string   // "" means DefaultHomeRegion
	Regions    []string // restrict to these regions (the home region is always included); nil means every enabled region
	Emails     []string // e-mail addresses to subscribe
	TopicARN   string   // an existing topic to use instead of creating TopicName
	// CreateTrail allows deploy to create a trail (and its bucket) when no
	// existing trail passes the pre-flight check.
	CreateTrail bool
	// FixKMSPolicy allows deploy to add KeyStatementSid to the key policy of a
	// topic's customer managed key.
	FixKMSPolicy bool
	Version      string // rootwatch's version, for the version tag
	// OrgTrail is, in organization mode, the organization trail the
	// pre-flight accepted in the management account: the account's own
	// trails are not checked.
	OrgTrail string
}

// Spec is the desired state: everything deploy creates and status checks,
// computed from the identity, the enabled regions and the options alone.
type Spec struct {
	Account    string
	Partition  string
	HomeRegion string
	Regions    []string // sorted; includes HomeRegion
	Tags       cloud.Tags

	Topic Topic
	Bus   BusSpec
	Role  RoleSpec
	// AlertRules are the home region's rules on Bus, one per rule pack rule.
	AlertRules []RuleSpec
	// PerRegion holds, for each of Regions, the forwarding rule and the
	// dead-letter queue.
	PerRegion []RegionSpec
	// Trail is what --create-trail creates.
	Trail TrailSpec
}

// Topic is the SNS topic alerts go to.
type Topic struct {
	ARN     string
	Name    string
	Managed bool // rootwatch creates it (no --topic-arn)
	Emails  []string
	// Statement is the statement (Sid TopicStatementSid) the topic policy must hold.
	Statement Statement
}

// BusSpec is the home region's custom bus.
type BusSpec struct {
	Name, ARN string
	// Policy is the bus's resource policy: "" while every forwarder is in
	// the home account (a bus needs none for its own account).
	Policy string
}

// RoleSpec is the forwarder role that lets every region's forwarding rule put
// events on the home bus.
type RoleSpec struct {
	Name, ARN   string
	Trust       string // assume-role policy
	PolicyName  string
	Policy      string // inline policy
	Description string
}

// RuleSpec is one EventBridge rule with its single target.
type RuleSpec struct {
	Region      string
	Bus         string // cloud.DefaultBus or BusName
	Name        string
	ARN         string
	Pattern     string
	State       cloud.RuleState
	Description string
	Target      cloud.Target
	RuleID      string // rule pack ID for alert rules; "" for forwarding rules
}

// QueueSpec is a dead-letter queue.
type QueueSpec struct {
	Region string
	Name   string
	ARN    string
	Policy string
}

// RegionSpec is what rootwatch deploys in one region.
type RegionSpec struct {
	Region  string
	Forward RuleSpec
	DLQ     QueueSpec
}

// TrailSpec is the trail and bucket --create-trail creates.
type TrailSpec struct {
	Name         string
	ARN          string
	Bucket       string
	BucketPolicy string
}

// Statement is an IAM policy statement as rootwatch writes it.
type Statement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// Document is an IAM policy document as rootwatch writes it.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

func (d Document) String() string { return canonical(d) }

// Desired computes the desired state. enabled is the account's enabled regions
// (cloud.Account.Regions). It validates the options and returns an error that
// says what is wrong before anything is read or changed.
func Desired(id cloud.Identity, enabled []string, o Options) (Spec, error) {
	home := o.HomeRegion
	if home == "" {
		home = DefaultHomeRegion
	}
	if !slices.Contains(enabled, home) {
		return Spec{}, inputErrorf("home region %q is not enabled for account %s (enabled: %s)", home, id.Account, strings.Join(enabled, ", "))
	}
	regions := enabled
	if o.Regions != nil {
		regions = []string{home}
		for _, r := range o.Regions {
			if !slices.Contains(enabled, r) {
				return Spec{}, inputErrorf("region %q is unknown or not enabled for account %s (enabled: %s)", r, id.Account, strings.Join(enabled, ", "))
			}
			if !slices.Contains(regions, r) {
				regions = append(regions, r)
			}
		}
	}
	regions = slices.Clone(regions)
	sort.Strings(regions)

	emails, err := checkEmails(o.Emails)
	if err != nil {
		return Spec{}, &InputError{err.Error()}
	}
	p := id.Partition
	if p == "" {
		p = "aws"
	}
	acct := id.Account
	version := o.Version
	if version == "" {
		version = "dev"
	}
	s := Spec{
		Account:    acct,
		Partition:  p,
		HomeRegion: home,
		Regions:    regions,
		Tags:       cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.VersionTag: version},
	}

	// Topic.
	s.Topic = Topic{Name: TopicName, ARN: arn(p, "sns", home, acct, TopicName), Managed: true, Emails: emails}
	if o.TopicARN != "" {
		a, err := parseARN(o.TopicARN)
		if err != nil || a.service != "sns" {
			return Spec{}, inputErrorf("--topic-arn %q is not an SNS topic ARN", o.TopicARN)
		}
		if a.account != acct {
			return Spec{}, inputErrorf("--topic-arn %s belongs to account %s, not to this account %s: rootwatch deploys into one account", o.TopicARN, a.account, acct)
		}
		if a.region != home {
			return Spec{}, inputErrorf("--topic-arn %s is in region %s, not in the home region %s: use --home-region %s or a topic in %s", o.TopicARN, a.region, home, a.region, home)
		}
		if a.partition != p {
			return Spec{}, inputErrorf("--topic-arn %s is in partition %s, not %s", o.TopicARN, a.partition, p)
		}
		s.Topic = Topic{Name: a.resource, ARN: o.TopicARN, Emails: emails}
	}

	// Bus and role.
	s.Bus = BusSpec{Name: BusName, ARN: arn(p, "events", home, acct, "event-bus/"+BusName)}
	s.Role = RoleSpec{
		Name:        ForwarderRoleName,
		ARN:         arn(p, "iam", "", acct, "role/"+ForwarderRoleName),
		PolicyName:  ForwarderPolicyName,
		Description: "rootwatch: lets the rootwatch-forward rules put root activity on the home rootwatch bus",
		Trust: Document{Version: "2012-10-17", Statement: []Statement{{
			Sid:       "EventBridgeForwardRules",
			Effect:    "Allow",
			Principal: map[string]any{"Service": "events.amazonaws.com"},
			Action:    "sts:AssumeRole",
			Condition: map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": acct},
				"ArnLike":      map[string]any{"aws:SourceArn": arn(p, "events", "*", acct, "rule/"+ForwardRuleName)},
			},
		}}}.String(),
		Policy: Document{Version: "2012-10-17", Statement: []Statement{{
			Sid:      "PutEventsOnHomeBus",
			Effect:   "Allow",
			Action:   "events:PutEvents",
			Resource: s.Bus.ARN,
		}}}.String(),
	}

	// Per region: DLQ and forwarding rule.
	homeDLQ := arn(p, "sqs", home, acct, DLQName)
	for _, r := range regions {
		dlqARN := arn(p, "sqs", r, acct, DLQName)
		fwd := RuleSpec{
			Region:      r,
			Bus:         cloud.DefaultBus,
			Name:        ForwardRuleName,
			ARN:         arn(p, "events", r, acct, "rule/"+ForwardRuleName),
			Pattern:     forwardPattern(),
			State:       cloud.RuleEnabledAllManagement,
			Description: "rootwatch: forward root activity to the rootwatch bus in " + home,
			Target: cloud.Target{
				ID:            ForwardTargetID,
				ARN:           s.Bus.ARN,
				RoleARN:       s.Role.ARN,
				DeadLetterARN: dlqARN,
				MaxAttempts:   TargetMaxAttempts,
				MaxAge:        TargetMaxAge,
			},
		}
		s.PerRegion = append(s.PerRegion, RegionSpec{Region: r, Forward: fwd, DLQ: QueueSpec{Region: r, Name: DLQName, ARN: dlqARN}})
	}

	// Alert rules on the home bus.
	for _, ar := range rulePack() {
		name := AlertRulePrefix + ar.ID
		s.AlertRules = append(s.AlertRules, RuleSpec{
			Region:      home,
			Bus:         BusName,
			Name:        name,
			ARN:         arn(p, "events", home, acct, "rule/"+BusName+"/"+name),
			Pattern:     ar.Pattern,
			State:       cloud.RuleEnabledAllManagement, // forwarded read-only calls are filtered again on this bus
			Description: "rootwatch: " + ar.Title,
			RuleID:      ar.ID,
			Target: cloud.Target{
				ID:            AlertTargetID,
				ARN:           s.Topic.ARN,
				Input:         &cloud.InputTransformer{Paths: ar.Paths, Template: ar.Template},
				DeadLetterARN: homeDLQ,
				MaxAttempts:   TargetMaxAttempts,
				MaxAge:        TargetMaxAge,
			},
		})
	}

	// Queue policies: each region's DLQ takes messages from that region's
	// rootwatch rules only.
	for i := range s.PerRegion {
		rs := &s.PerRegion[i]
		sources := []string{rs.Forward.ARN}
		if rs.Region == home {
			for _, ar := range s.AlertRules {
				sources = append(sources, ar.ARN)
			}
		}
		rs.DLQ.Policy = Document{Version: "2012-10-17", Statement: []Statement{{
			Sid:       QueueStatementSid,
			Effect:    "Allow",
			Principal: map[string]any{"Service": "events.amazonaws.com"},
			Action:    "sqs:SendMessage",
			Resource:  rs.DLQ.ARN,
			Condition: map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": stringsOrOne(sources)}},
		}}}.String()
	}

	// The topic statement.
	var alertARNs []string
	for _, ar := range s.AlertRules {
		alertARNs = append(alertARNs, ar.ARN)
	}
	s.Topic.Statement = Statement{
		Sid:       TopicStatementSid,
		Effect:    "Allow",
		Principal: map[string]any{"Service": "events.amazonaws.com"},
		Action:    "sns:Publish",
		Resource:  s.Topic.ARN,
		Condition: map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": stringsOrOne(alertARNs)}},
	}

	// The trail --create-trail creates.
	bucket := TrailBucketPrefix + acct + "-" + home
	trailARN := arn(p, "cloudtrail", home, acct, "trail/"+TrailName)
	s.Trail = TrailSpec{
		Name:   TrailName,
		ARN:    trailARN,
		Bucket: bucket,
		BucketPolicy: Document{Version: "2012-10-17", Statement: []Statement{
			{
				Sid:       "AWSCloudTrailAclCheck",
				Effect:    "Allow",
				Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
				Action:    "s3:GetBucketAcl",
				Resource:  "arn:" + p + ":s3:::" + bucket,
				Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trailARN}},
			},
			{
				Sid:       "AWSCloudTrailWrite",
				Effect:    "Allow",
				Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
				Action:    "s3:PutObject",
				Resource:  "arn:" + p + ":s3:::" + bucket + "/AWSLogs/" + acct + "/*",
				Condition: map[string]any{"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailARN}},
			},
		}}.String(),
	}
	return s, nil
}

// Region returns the spec of one region.
func (s Spec) Region(r string) (RegionSpec, bool) {
	for _, rs := range s.PerRegion {
		if rs.Region == r {
			return rs, true
		}
	}
	return RegionSpec{}, false
}

// Rules returns every rule of the spec (forwarding rules, then alert rules).
func (s Spec) Rules() []RuleSpec {
	var out []RuleSpec
	for _, rs := range s.PerRegion {
		out = append(out, rs.Forward)
	}
	return append(out, s.AlertRules...)
}

// TopicPolicyOK reports whether a topic policy holds rootwatch's statement as
// the spec wants it.
func (s Spec) TopicPolicyOK(policy string) (bool, error) {
	return HasStatement(policy, s.Topic.Statement)
}

func stringsOrOne(ss []string) any {
	if len(ss) == 1 {
		return ss[0]
	}
	return ss
}

func checkEmails(in []string) ([]string, error) {
	var out []string
	for _, e := range in {
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
			return nil, fmt.Errorf("--email %q is not a plain e-mail address (like alice@example.com)", e)
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// arnParts is a parsed ARN.
type arnParts struct {
	partition, service, region, account, resource string
}

func parseARN(s string) (arnParts, error) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] == "" || f[5] == "" {
		return arnParts{}, fmt.Errorf("%q is not an ARN", s)
	}
	return arnParts{partition: f[1], service: f[2], region: f[3], account: f[4], resource: f[5]}, nil
}

func arn(partition, service, region, account, resource string) string {
	return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + resource
}

// Prepare reads the account's identity and enabled regions, computes the
// desired state, and plans the deploy. It makes no mutating call; invalid
// options are reported before anything is read beyond identity and regions.
func Prepare(ctx context.Context, acct cloud.Account, o Options) (*Plan, Spec, error) {
	id, err := acct.Identity(ctx)
	if err != nil {
		return nil, Spec{}, fmt.Errorf("get caller identity: %w", err)
	}
	enabled, err := acct.Regions(ctx)
	if err != nil {
		return nil, Spec{}, fmt.Errorf("list enabled regions: %w", err)
	}
	spec, err := Desired(id, enabled, o)
	if err != nil {
		return nil, Spec{}, err
	}
	p, err := PlanDeploy(ctx, acct, spec, o)
	if err != nil {
		return nil, spec, err
	}
	return p, spec, nil
}

// InputError is an invalid option, found before anything was changed.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{fmt.Sprintf(format, args...)}
}
