package chain

import (
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
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
	// Channels are where alerts go besides the topic (--slack, --teams,
	// --pagerduty, --webhook). When none is given, deploy leaves the channels
	// already deployed as they are.
	Channels []channel.Channel
}

// Spec is the desired state: everything deploy creates and status checks,
// computed from the identity, the enabled regions and the options alone.
//
// Account and HomeRegion are the home (central) part: where the bus, the
// alert rules and the topic live. Forwarders are per account and region; each
// names its own account, and its rule's target names the home bus ARN, which
// for a member account of an organization is in another account.
type Spec struct {
	Account    string // the home account
	Partition  string
	HomeRegion string
	Regions    []string // the forwarders' regions, sorted; includes HomeRegion
	Tags       cloud.Tags

	Topic Topic
	Bus   BusSpec
	// Role is the forwarder role of the home account's forwarders.
	Role RoleSpec
	// AlertRules are the home region's rules on Bus, one per rule pack rule.
	AlertRules []RuleSpec
	// Forwarders holds, for each account and region that forwards (today the
	// home account in each of Regions), the forwarding rule and the
	// dead-letter queue.
	Forwarders []Forwarder
	// Trail is what --create-trail creates.
	Trail TrailSpec
	// Watch is the heartbeat and the alarms (watch.go).
	Watch Watch
	// Channels are the channels deploy was given (channels.go), and
	// ChannelRole the role their targets use (zero without channels).
	Channels    []ChannelSpec
	ChannelRole RoleSpec
}

// Topic is the SNS topic alerts go to.
type Topic struct {
	ARN     string
	Name    string
	Managed bool // rootwatch creates it (no --topic-arn)
	Emails  []string
	// Statement is the statement (Sid TopicStatementSid) the topic policy must hold.
	Statement policy.Statement
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
	// Boundary is the permissions boundary the role gets when an
	// administrator has created it in the role's account.
	Boundary BoundarySpec
}

// RuleSpec is one EventBridge rule with its single target.
type RuleSpec struct {
	Region      string
	Bus         string // cloud.DefaultBus or BusName
	Name        string
	ARN         string
	Pattern     string
	Schedule    string // a schedule expression instead of a pattern (heartbeats)
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

// Forwarder is what rootwatch deploys in one region of one account to send
// root activity to the home bus.
type Forwarder struct {
	Account string
	Region  string
	Rule    RuleSpec // on the default bus; its target is the home bus
	DLQ     QueueSpec
}

// TrailSpec is the trail and bucket --create-trail creates.
type TrailSpec struct {
	Name         string
	ARN          string
	Bucket       string
	BucketPolicy string
}

// Desired computes the desired state. enabled is the account's enabled regions
// (cloud.Account.Regions). It validates the options and returns an error that
// says what is wrong before anything is read or changed.
func Desired(id cloud.Identity, enabled []string, o Options) (Spec, error) {
	home := o.HomeRegion
	if home == "" {
		home = DefaultHomeRegion
	}
	if !slices.Contains(enabled, home) {
		return Spec{}, InputErrorf("home region %q is not enabled for account %s (enabled: %s)", home, id.Account, strings.Join(enabled, ", "))
	}
	regions := enabled
	if o.Regions != nil {
		regions = []string{home}
		for _, r := range o.Regions {
			if !slices.Contains(enabled, r) {
				return Spec{}, InputErrorf("region %q is unknown or not enabled for account %s (enabled: %s)", r, id.Account, strings.Join(enabled, ", "))
			}
			if !slices.Contains(regions, r) {
				regions = append(regions, r)
			}
		}
	}
	// The partition's global-events region is always covered: root console
	// sign-ins and IAM and STS calls are recorded there, whatever the home
	// region and --regions say.
	if g := GlobalEventsRegion(id.Partition); g != "" && !slices.Contains(regions, g) {
		if !slices.Contains(enabled, g) {
			return Spec{}, InputErrorf("region %s, where root console sign-ins and IAM and STS calls are recorded, is not among the enabled regions (%s): rootwatch cannot cover them", g, strings.Join(enabled, ", "))
		}
		regions = append(slices.Clone(regions), g)
	}
	regions = slices.Clone(regions)
	sort.Strings(regions)

	emails, err := checkEmails(o.Emails)
	if err != nil {
		return Spec{}, &InputError{Msg: err.Error()}
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
		a, err := ParseARN(o.TopicARN)
		if err != nil || a.Service != "sns" {
			return Spec{}, InputErrorf("--topic-arn %q is not an SNS topic ARN", o.TopicARN)
		}
		if a.Account != acct {
			return Spec{}, InputErrorf("--topic-arn %s belongs to account %s, not to this account %s: rootwatch deploys into one account", o.TopicARN, a.Account, acct)
		}
		if a.Region != home {
			return Spec{}, InputErrorf("--topic-arn %s is in region %s, not in the home region %s: use --home-region %s or a topic in %s", o.TopicARN, a.Region, home, a.Region, home)
		}
		if a.Partition != p {
			return Spec{}, InputErrorf("--topic-arn %s is in partition %s, not %s", o.TopicARN, a.Partition, p)
		}
		s.Topic = Topic{Name: a.Resource, ARN: o.TopicARN, Emails: emails}
	}

	// Bus and role.
	s.Bus = BusSpec{Name: BusName, ARN: arn(p, "events", home, acct, "event-bus/"+BusName)}
	s.Role = forwarderRole(p, acct, s.Bus.ARN, "the home rootwatch bus", "PutEventsOnHomeBus",
		BoundarySpec{ARN: BoundaryARN(p, acct), Policy: AccountBoundary()}, ForwardRuleName, HeartbeatRuleName)

	// Per region: DLQ and forwarding rule.
	homeDLQ := arn(p, "sqs", home, acct, DLQName)
	for _, r := range regions {
		fwd := forwardRule(p, acct, r, s.Bus.ARN, s.Role.ARN, "the rootwatch bus in "+home)
		s.Forwarders = append(s.Forwarders, Forwarder{Account: acct, Region: r, Rule: fwd, DLQ: QueueSpec{Region: r, Name: DLQName, ARN: fwd.Target.DeadLetterARN}})
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

	if err := channelSpecs(&s, o.Channels); err != nil {
		return Spec{}, err
	}

	// Queue policies: each region's DLQ takes messages from that region's
	// rootwatch rules only.
	for i := range s.Forwarders {
		rs := &s.Forwarders[i]
		sources := []string{rs.Rule.ARN, s.heartbeatARN(rs.Region)}
		if rs.Region == home {
			for _, ar := range s.AlertRules {
				sources = append(sources, ar.ARN)
			}
		}
		rs.DLQ.Policy = policy.Document{Version: policy.Version, Statement: policy.Statements{{
			Sid:       QueueStatementSid,
			Effect:    "Allow",
			Principal: policy.Service(EventsService),
			Action:    policy.Values{"sqs:SendMessage"},
			Resource:  policy.Values{rs.DLQ.ARN},
			Condition: policy.Conditions{"ArnEquals": {"aws:SourceArn": sources}},
		}}}.String()
	}

	// The topic statement.
	var alertARNs []string
	for _, ar := range s.AlertRules {
		alertARNs = append(alertARNs, ar.ARN)
	}
	s.Topic.Statement = policy.Statement{
		Sid:       TopicStatementSid,
		Effect:    "Allow",
		Principal: policy.Service(EventsService),
		Action:    policy.Values{"sns:Publish"},
		Resource:  policy.Values{s.Topic.ARN},
		Condition: policy.Conditions{"ArnEquals": {"aws:SourceArn": alertARNs}},
	}

	// The trail --create-trail creates.
	s.Trail = trailSpec(p, acct, home, acct)
	s.addWatch()
	return s, nil
}

// Forwarder returns the home account's forwarder in region r.
func (s Spec) Forwarder(r string) (Forwarder, bool) {
	for _, f := range s.Forwarders {
		if f.Account == s.Account && f.Region == r {
			return f, true
		}
	}
	return Forwarder{}, false
}

// Rules returns every rule of the spec (forwarding rules, then alert rules).
func (s Spec) Rules() []RuleSpec {
	var out []RuleSpec
	for _, f := range s.Forwarders {
		out = append(out, f.Rule)
	}
	return append(out, s.AlertRules...)
}

// plainEmail reports whether e is a plain e-mail address, like
// alice@example.com: no display name, no quotes, a domain with a dot.
func plainEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && a.Name == "" && strings.Contains(e[strings.LastIndex(e, "@")+1:], ".")
}

func checkEmails(in []string) ([]string, error) {
	var out []string
	for _, e := range in {
		if !plainEmail(e) {
			return nil, fmt.Errorf("--email %q is not a plain e-mail address (like alice@example.com)", e)
		}
		// One subscription per address, whatever its case: the record and
		// the subscriptions' judgement compare addresses ignoring case.
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, e) }) {
			out = append(out, e)
		}
	}
	return out, nil
}

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN parses s as arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func ParseARN(s string) (ARN, error) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] == "" || f[5] == "" {
		return ARN{}, fmt.Errorf("%q is not an ARN", s)
	}
	return ARN{Partition: f[1], Service: f[2], Region: f[3], Account: f[4], Resource: f[5]}, nil
}

func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

func arn(partition, service, region, account, resource string) string {
	return ARN{partition, service, region, account, resource}.String()
}

// TopicARN is the ARN of the topic rootwatch creates in region.
func TopicARN(partition, region, account string) string {
	return arn(partition, "sns", region, account, TopicName)
}

// InputError is an invalid option, found before anything was read or changed.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// InputErrorf formats an InputError.
func InputErrorf(format string, args ...any) error {
	return &InputError{fmt.Sprintf(format, args...)}
}

// GlobalEventsRegion is the region where a partition's global services (IAM,
// STS, console sign-in) deliver their CloudTrail events to EventBridge; ""
// for a partition rootwatch does not know.
func GlobalEventsRegion(partition string) string {
	switch partition {
	case "", "aws":
		return "us-east-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	case "aws-cn":
		return "cn-north-1"
	}
	return ""
}

// trailSpec is the trail rootwatch creates in owner's home region and its
// log bucket, whose policy lets CloudTrail write, for this trail only, the
// logs of each of writers (account IDs, or an organization ID for an
// organization trail), and refuses requests without TLS.
func trailSpec(partition, owner, home string, writers ...string) TrailSpec {
	bucket := TrailBucketPrefix + owner + "-" + home
	bucketARN := "arn:" + partition + ":s3:::" + bucket
	trailARN := arn(partition, "cloudtrail", home, owner, "trail/"+TrailName)
	var logs policy.Values
	for _, w := range writers {
		logs = append(logs, bucketARN+"/AWSLogs/"+w+"/*")
	}
	return TrailSpec{
		Name:   TrailName,
		ARN:    trailARN,
		Bucket: bucket,
		BucketPolicy: policy.Document{Version: policy.Version, Statement: policy.Statements{
			{
				Sid:       "AWSCloudTrailAclCheck",
				Effect:    "Allow",
				Principal: policy.Service("cloudtrail.amazonaws.com"),
				Action:    policy.Values{"s3:GetBucketAcl"},
				Resource:  policy.Values{bucketARN},
				Condition: policy.Conditions{"StringEquals": {"aws:SourceArn": {trailARN}}},
			},
			{
				Sid:       "AWSCloudTrailWrite",
				Effect:    "Allow",
				Principal: policy.Service("cloudtrail.amazonaws.com"),
				Action:    policy.Values{"s3:PutObject"},
				Resource:  logs,
				Condition: policy.Conditions{"StringEquals": {"s3:x-amz-acl": {"bucket-owner-full-control"}, "aws:SourceArn": {trailARN}}},
			},
			{
				// TLS only: nobody reads or writes the logs in clear text.
				Sid:       "DenyInsecureTransport",
				Effect:    "Deny",
				Principal: &policy.Principal{Any: true},
				Action:    policy.Values{"s3:*"},
				Resource:  policy.Values{bucketARN, bucketARN + "/*"},
				Condition: policy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
			},
		}}.String(),
	}
}

// forwarderRole is the role the forwarding rules of acct (and the rules named
// by sources, in any region) assume to put events on the bus busARN, which the
// role's description calls where.
func forwarderRole(p, acct, busARN, where, sid string, boundary BoundarySpec, sources ...string) RoleSpec {
	rules := make(policy.Values, len(sources))
	for i, n := range sources {
		rules[i] = arn(p, "events", "*", acct, "rule/"+n)
	}
	return RoleSpec{
		Name:        ForwarderRoleName,
		ARN:         arn(p, "iam", "", acct, "role/"+ForwarderRoleName),
		PolicyName:  ForwarderPolicyName,
		Description: "rootwatch: lets the rootwatch-forward rules put root activity on " + where,
		Trust: policy.Document{Version: policy.Version, Statement: policy.Statements{{
			Sid:       "EventBridgeForwardRules",
			Effect:    "Allow",
			Principal: policy.Service(EventsService),
			Action:    policy.Values{"sts:AssumeRole"},
			Condition: policy.Conditions{
				"StringEquals": {"aws:SourceAccount": {acct}},
				"ArnLike":      {"aws:SourceArn": rules},
			},
		}}}.String(),
		Policy: policy.Document{Version: policy.Version, Statement: policy.Statements{{
			Sid:      sid,
			Effect:   "Allow",
			Action:   policy.Values{"events:PutEvents"},
			Resource: policy.Values{busARN},
		}}}.String(),
		Boundary: boundary,
	}
}

// forwardRule is acct's forwarding rule in region: root activity on the
// default bus goes to the bus busARN (which the description calls where)
// through the role roleARN, with the region's dead-letter queue.
func forwardRule(p, acct, region, busARN, roleARN, where string) RuleSpec {
	return RuleSpec{
		Region:      region,
		Bus:         cloud.DefaultBus,
		Name:        ForwardRuleName,
		ARN:         arn(p, "events", region, acct, "rule/"+ForwardRuleName),
		Pattern:     forwardPattern(),
		State:       cloud.RuleEnabledAllManagement,
		Description: "rootwatch: forward root activity to " + where,
		Target: cloud.Target{
			ID:            ForwardTargetID,
			ARN:           busARN,
			RoleARN:       roleARN,
			DeadLetterARN: arn(p, "sqs", region, acct, DLQName),
			MaxAttempts:   TargetMaxAttempts,
			MaxAge:        TargetMaxAge,
		},
	}
}
