// Package scp writes the service control policy that protects rootwatch in an
// organization's member accounts: it denies every change to rootwatch's
// resources (the forwarding and heartbeat rules and their role with its
// permissions boundary, the central bus, its rules, topic, alarms, channels and
// dead-letter queues, the trail) to every principal but the role that
// deploys rootwatch, in the style of AWS Control Tower's mandatory controls (a
// Deny with an aws:PrincipalArn ArnNotLike exception).
//
// The actions are those of the rule pack's rootwatch-tamper rule on
// rootwatch's own resources (its alert on any trail, key or region change
// is left to detection: denying those organization-wide would be a policy of
// its own). An SCP binds every principal of a member account, its root user
// included; it binds nothing in the management account, which only
// detection protects.
package scp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxSize is Organizations' limit on a service control policy's size, in
// characters.
const MaxSize = 5120

// Names are the names of what rootwatch deploys (internal/deploy's names).
type Names struct {
	Bus             string // the central (home) bus, e.g. "rootwatch"
	RulePrefix      string // every rootwatch rule's name starts with it, e.g. "rootwatch-"
	TopicPrefix     string // the topic, e.g. "rootwatch-alerts" (a prefix: "rootwatch-")
	QueuePrefix     string // the dead-letter queues, e.g. "rootwatch-dlq"
	RolePrefix      string // the forwarder role, e.g. "rootwatch-forwarder"
	Trail           string // the trail --create-trail creates, e.g. "rootwatch"
	TrailBucketGlob string // its bucket, e.g. "rootwatch-trail-*"
	AlarmPrefix     string // the CloudWatch alarms, e.g. "rootwatch-"
	BoundaryPolicy  string // the forwarder's permissions boundary, e.g. "rootwatch-forwarder-boundary"
	ChannelPrefix   string // the channels' connections and API destinations, e.g. "rootwatch-channel-"
	ChannelRole     string // the role the channels' targets use, e.g. "rootwatch-channels"
}

// Options say whom the policy exempts and what else it protects.
type Options struct {
	// Exempt are the principal ARN patterns (ArnLike syntax) that may still
	// change rootwatch's resources: the role that deploys it. At least one.
	Exempt []string
	// Trails are more trail ARNs to protect (the organization trail).
	Trails []string
	Names  Names
	// Partition is the ARN partition of the resources; "" means "aws".
	Partition string
}

// Statement is one statement of the policy.
type Statement struct {
	Sid       string
	Effect    string
	Action    []string
	Resource  []string
	Condition map[string]map[string][]string
}

// Policy is a service control policy document.
type Policy struct {
	Version   string
	Statement []Statement
}

// Build returns the policy. It fails if an option is missing or malformed.
func Build(o Options) (Policy, error) {
	if len(o.Exempt) == 0 {
		return Policy{}, errors.New("service control policy: no exempt principal (the deploy role)")
	}
	for _, e := range o.Exempt {
		if !strings.HasPrefix(e, "arn:") || strings.Count(e, ":") < 5 {
			return Policy{}, fmt.Errorf("service control policy: %q is not a principal ARN", e)
		}
	}
	for _, t := range o.Trails {
		if !strings.HasPrefix(t, "arn:") || !strings.Contains(t, ":cloudtrail:") || !strings.Contains(t, ":trail/") {
			return Policy{}, fmt.Errorf("service control policy: %q is not a trail ARN", t)
		}
	}
	n := o.Names
	if n.Bus == "" || n.RulePrefix == "" || n.TopicPrefix == "" || n.QueuePrefix == "" || n.RolePrefix == "" || n.Trail == "" || n.TrailBucketGlob == "" ||
		n.AlarmPrefix == "" || n.BoundaryPolicy == "" || n.ChannelPrefix == "" || n.ChannelRole == "" {
		return Policy{}, fmt.Errorf("service control policy: incomplete names %+v", n)
	}
	pa := o.Partition
	if pa == "" {
		pa = "aws"
	}
	unless := map[string]map[string][]string{"ArnNotLike": {"aws:PrincipalArn": o.Exempt}}
	deny := func(sid string, actions []string, resources ...string) Statement {
		return Statement{Sid: sid, Effect: "Deny", Action: actions, Resource: resources, Condition: unless}
	}
	trails := append([]string{"arn:" + pa + ":cloudtrail:*:*:trail/" + n.Trail}, o.Trails...)
	return Policy{Version: "2012-10-17", Statement: []Statement{
		// The forwarding rules on every default bus, and the central bus with
		// its rules (whose ARNs are rule/<bus>/<name>).
		deny("RootwatchProtectRules", []string{
			"events:DeleteRule", "events:DisableRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets",
			"events:TagResource", "events:UntagResource",
		}, "arn:"+pa+":events:*:*:rule/"+n.RulePrefix+"*", "arn:"+pa+":events:*:*:rule/"+n.Bus+"/*"),
		deny("RootwatchProtectBus", []string{
			"events:DeleteEventBus", "events:UpdateEventBus", "events:PutPermission", "events:RemovePermission",
			"events:TagResource", "events:UntagResource",
		}, "arn:"+pa+":events:*:*:event-bus/"+n.Bus),
		deny("RootwatchProtectRole", []string{
			"iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
			"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
			"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:TagRole", "iam:UntagRole",
		}, "arn:"+pa+":iam::*:role/"+n.RolePrefix+"*", "arn:"+pa+":iam::*:role/"+n.ChannelRole),
		deny("RootwatchProtectBoundary", []string{
			"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy",
		}, "arn:"+pa+":iam::*:policy/"+n.BoundaryPolicy),
		deny("RootwatchProtectAlarms", []string{
			"cloudwatch:DeleteAlarms", "cloudwatch:DisableAlarmActions", "cloudwatch:PutMetricAlarm",
		}, "arn:"+pa+":cloudwatch:*:*:alarm:"+n.AlarmPrefix+"*"),
		deny("RootwatchProtectChannels", []string{
			"events:CreateConnection", "events:UpdateConnection", "events:DeleteConnection", "events:DeauthorizeConnection",
			"events:UpdateApiDestination", "events:DeleteApiDestination",
		}, "arn:"+pa+":events:*:*:connection/"+n.ChannelPrefix+"*", "arn:"+pa+":events:*:*:api-destination/"+n.ChannelPrefix+"*"),
		deny("RootwatchProtectTopic", []string{
			"sns:DeleteTopic", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
			"sns:Subscribe", "sns:PutDataProtectionPolicy", "sns:TagResource", "sns:UntagResource",
		}, "arn:"+pa+":sns:*:*:"+n.TopicPrefix+"*"),
		deny("RootwatchProtectQueues", []string{
			"sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:PurgeQueue", "sqs:AddPermission", "sqs:RemovePermission",
			"sqs:TagQueue", "sqs:UntagQueue",
		}, "arn:"+pa+":sqs:*:*:"+n.QueuePrefix+"*"),
		deny("RootwatchProtectTrail", []string{
			"cloudtrail:DeleteTrail", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
			"cloudtrail:PutEventSelectors", "cloudtrail:RemoveTags",
		}, trails...),
		deny("RootwatchProtectTrailBucket", []string{
			"s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration",
			"s3:PutBucketVersioning", "s3:PutBucketObjectLockConfiguration",
		}, "arn:"+pa+":s3:::"+n.TrailBucketGlob),
	}}, nil
}

// JSON returns the policy as indented JSON, for people.
func (p Policy) JSON() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(err) // plain strings and slices always marshal
	}
	return append(b, '\n')
}

// Compact returns the policy without insignificant whitespace, as it is sent
// to Organizations (whose size limit counts every character).
func (p Policy) Compact() string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, p.JSON()); err != nil {
		panic(err)
	}
	return buf.String()
}
