package deploy

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

// Commands whose permissions IAMPolicy covers.
const (
	CmdDeploy  = "deploy"
	CmdStatus  = "status"
	CmdDestroy = "destroy"
	CmdTest    = "test"
	CmdAudit   = "audit"
	CmdScan    = "scan"
	CmdConfirm = "confirm"
	// CmdOrg is what --org needs on top of the others: of the management
	// account's credentials, Organizations, AssumeRole and the SCP; of the
	// central account's role, the central bus policy. (In every account,
	// --role-name's role needs deploy's, status's and destroy's permissions;
	// the default, OrganizationAccountAccessRole, has all. Held by a member's
	// role, deploy's policy requires the member's own forwarder boundary,
	// the variant naming the central bus: see BoundaryPolicyName.)
	CmdOrg = "org"
)

// PolicyCommands are the commands iam-policy knows, in the order it lists them.
var PolicyCommands = []string{CmdDeploy, CmdStatus, CmdDestroy, CmdTest, CmdAudit, CmdScan, CmdConfirm, CmdOrg}

// BoundaryPolicyName is the customer managed policy that must be the forwarder
// role's permissions boundary (chain.BoundaryPolicyName). An administrator
// creates it once in each account, from BoundaryPolicy (`rootwatch
// iam-policy --boundary`), or in an organization's member accounts from
// MemberBoundaryPolicy (`--boundary --central-bus ARN`): the deploy policy
// lets its holder create the forwarder role and write its inline policy only
// with this boundary (in the holder's own account: for deploy --org, the
// member account the --role-name role is in), and grants no way to create,
// change or remove it, so holding the deploy policy never yields more than
// the boundary allows.
const BoundaryPolicyName = chain.BoundaryPolicyName

// The account of every resource: the caller's own, as IAM resolves the policy
// variable. rootwatch never acts on another account's resources.
const acct = "${aws:PrincipalAccount}"

// Resource patterns of the permissions table. Placeholders in braces stand for
// the ARNs given to iam-policy (--topic-arn, --kms-key-arn, --bucket); a grant
// whose resources are only placeholders nobody filled is left out.
const (
	resAny         = "*"
	resBus         = "arn:aws:events:*:" + acct + ":event-bus/" + chain.BusName
	resRules       = "arn:aws:events:*:" + acct + ":rule/rootwatch-*"
	resBusRules    = "arn:aws:events:*:" + acct + ":rule/" + chain.BusName + "/rootwatch-*"
	resTopic       = "arn:aws:sns:*:" + acct + ":" + chain.TopicName
	resTestTopics  = "arn:aws:sns:*:" + acct + ":" + chain.SelfTestRulePrefix + "*"
	resDLQ         = "arn:aws:sqs:*:" + acct + ":" + chain.DLQName
	resTestQueues  = "arn:aws:sqs:*:" + acct + ":" + chain.SelfTestRulePrefix + "*"
	resKeys        = "arn:aws:kms:*:" + acct + ":key/*"
	resTrail       = "arn:aws:cloudtrail:*:" + acct + ":trail/" + chain.TrailName
	resRole        = "arn:aws:iam::" + acct + ":role/" + chain.ForwarderRoleName
	resBoundary    = "arn:aws:iam::" + acct + ":policy/" + BoundaryPolicyName
	resPolicies    = "arn:aws:iam::" + acct + ":policy/*"
	resAWSPolicies = "arn:aws:iam::aws:policy/*"
	resTrailBucket = "arn:aws:s3:::" + chain.TrailBucketPrefix + acct + "-*"
	resAccount     = "arn:aws:account::" + acct + ":account"
	resMemberRoots = "arn:aws:iam::*:root"
	resAlarms      = "arn:aws:cloudwatch:*:" + acct + ":alarm:" + chain.AlarmPrefix + "*"
	// --org: the role deploy --org assumes in every account (of the
	// organization: another account's, hence "*").
	resAccessRole = "arn:aws:iam::*:role/" + cloud.DefaultAccessRole

	// Channels (--slack, ...): connections and API destinations in the home
	// region, the secrets EventBridge keeps for the connections, and the role
	// the channels' targets use.
	resConnection  = "arn:aws:events:*:" + acct + ":connection/" + chain.ChannelPrefix + "*"
	resDestination = "arn:aws:events:*:" + acct + ":api-destination/" + chain.ChannelPrefix + "*"
	resSecret      = "arn:aws:secretsmanager:*:" + acct + ":secret:events!connection/" + chain.ChannelPrefix + "*"
	resChannelRole = "arn:aws:iam::" + acct + ":role/" + chain.ChannelRoleName

	phTopic  = "{topic-arn}"
	phKey    = "{kms-key-arn}"
	phBucket = "{bucket}"
	phObject = "{bucket}/*"
)

// auditRootTaskPolicy is the AWS managed task policy of the root session audit
// takes in member accounts (read-only: login profile, keys, MFA, certificates).
const auditRootTaskPolicy = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"

// Grant is one part of a permission: actions on resources, under a condition,
// in the statement named Sid.
type Grant struct {
	Sid       string
	Actions   []string
	Resources []string
	Condition map[string]map[string][]string
}

// Permission is one row of the permissions table: what one cloud method needs
// (the API calls internal/awscloud makes for it), for which commands.
type Permission struct {
	Method   string // the cloud interfaces' method name (unique across them), as cloudtest.Recorder counts calls
	Commands []string
	Grants   []Grant
}

// Actions returns every action of the row.
func (p Permission) Actions() []string {
	var out []string
	for _, g := range p.Grants {
		out = append(out, g.Actions...)
	}
	return out
}

func grant(sid string, res []string, actions ...string) Grant {
	return Grant{Sid: sid, Actions: actions, Resources: res}
}

func cmds(c ...string) []string { return c }

var (
	chainReaders = cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest)
	anyRes       = []string{resAny}
	roleRes      = []string{resRole, resChannelRole}
	connRes      = []string{resConnection, resSecret}
	ruleRes      = []string{resRules, resBusRules}
	topicRes     = []string{resTopic, phTopic}
	boundaryCond = map[string]map[string][]string{"StringEquals": {"iam:PermissionsBoundary": {resBoundary}}}
)

// Permissions is the one table iam-policy is derived from. Tests check that
// every call each command makes is allowed by that command's policy (an
// evaluator runs every call against it), and that each row and each statement
// is needed: taking one away makes a call fail.
var Permissions = []Permission{
	{"Identity", cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest, CmdAudit), nil}, // sts:GetCallerIdentity needs no permission
	// confirm with a bare token reads the recorded settings (the topic) on
	// the bus of the home region, which it may have to look for.
	{"Regions", cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest, CmdAudit, CmdScan, CmdConfirm), []Grant{grant("RootwatchRegions", anyRes, "ec2:DescribeRegions")}},

	// EventBridge.
	{"Bus", cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest, CmdConfirm), []Grant{grant("RootwatchEventBus", []string{resBus}, "events:DescribeEventBus", "events:ListTagsForResource")}},
	{"CreateBus", cmds(CmdDeploy), []Grant{grant("RootwatchEventBus", []string{resBus}, "events:CreateEventBus", "events:TagResource")}},
	{"TagBus", cmds(CmdDeploy), []Grant{grant("RootwatchEventBus", []string{resBus}, "events:DescribeEventBus", "events:TagResource")}},
	{"DeleteBus", cmds(CmdDestroy), []Grant{grant("RootwatchEventBus", []string{resBus}, "events:DeleteEventBus")}},
	{"Rules", cmds(CmdDeploy, CmdDestroy), []Grant{
		grant("RootwatchListRules", anyRes, "events:ListRules"),
		grant("RootwatchRules", ruleRes, "events:ListTagsForResource"),
	}},
	{"Rule", chainReaders, []Grant{grant("RootwatchRules", ruleRes, "events:DescribeRule", "events:ListTagsForResource")}},
	{"PutRule", cmds(CmdDeploy, CmdTest), []Grant{grant("RootwatchRules", ruleRes, "events:PutRule", "events:TagResource")}},
	{"DeleteRule", cmds(CmdDeploy, CmdDestroy, CmdTest), []Grant{grant("RootwatchRules", ruleRes, "events:DeleteRule")}},
	{"Targets", chainReaders, []Grant{grant("RootwatchRules", ruleRes, "events:ListTargetsByRule")}},
	// PutTargets may aim rootwatch's rules only at rootwatch's bus and topic
	// (or the topic given), never at a target of the holder's choosing.
	{"PutTargets", cmds(CmdDeploy), []Grant{
		{Sid: "RootwatchPutTargets", Actions: []string{"events:PutTargets"}, Resources: ruleRes,
			Condition: map[string]map[string][]string{"ForAllValues:ArnLike": {"events:TargetArn": {resBus, resTopic, phTopic, resDestination}}}},
		{Sid: "RootwatchPassForwarderRoleToEventBridge", Actions: []string{"iam:PassRole"}, Resources: roleRes,
			Condition: map[string]map[string][]string{"StringEquals": {"iam:PassedToService": {"events.amazonaws.com"}}}},
	}},
	{"PutTargets", cmds(CmdTest), []Grant{
		{Sid: "RootwatchTestPutTargets", Actions: []string{"events:PutTargets"}, Resources: ruleRes,
			Condition: map[string]map[string][]string{"ForAllValues:ArnLike": {"events:TargetArn": {resTopic, phTopic, resTestQueues}}}},
	}},
	{"RemoveTargets", cmds(CmdDeploy, CmdDestroy, CmdTest), []Grant{grant("RootwatchRules", ruleRes, "events:RemoveTargets")}},
	{"TestPattern", cmds(CmdTest), []Grant{grant("RootwatchTestEventPattern", anyRes, "events:TestEventPattern")}},
	{"PutEvents", cmds(CmdTest), []Grant{grant("RootwatchEventBus", []string{resBus}, "events:PutEvents")}},

	// SNS: rootwatch's topic, or the one given with --topic-arn.
	{"CreateTopic", cmds(CmdDeploy), []Grant{grant("RootwatchTopic", []string{resTopic}, "sns:CreateTopic", "sns:TagResource")}},
	{"CreateTopic", cmds(CmdTest), []Grant{grant("RootwatchTestTopics", []string{resTestTopics}, "sns:CreateTopic", "sns:TagResource")}},
	{"Topic", chainReaders, []Grant{grant("RootwatchReadTopic", topicRes, "sns:GetTopicAttributes", "sns:ListTagsForResource")}},
	{"SetTopicPolicy", cmds(CmdDeploy, CmdDestroy, CmdTest), []Grant{grant("RootwatchEditTopic", topicRes, "sns:SetTopicAttributes")}},
	{"DeleteTopic", cmds(CmdDestroy), []Grant{grant("RootwatchTopic", []string{resTopic}, "sns:DeleteTopic")}},
	{"DeleteTopic", cmds(CmdTest), []Grant{grant("RootwatchTestTopics", []string{resTestTopics}, "sns:DeleteTopic")}},
	{"Subscriptions", cmds(CmdDeploy, CmdStatus, CmdTest), []Grant{grant("RootwatchReadTopic", topicRes, "sns:ListSubscriptionsByTopic", "sns:GetSubscriptionAttributes")}},
	{"Subscribe", cmds(CmdDeploy), []Grant{grant("RootwatchSubscribe", topicRes, "sns:Subscribe")}},
	// A filter policy someone put on a subscription deploy made is removed.
	// (The service authorization reference names no resource type for
	// sns:SetSubscriptionAttributes; SNS authorizes it, like
	// GetSubscriptionAttributes, against the subscription's topic.)
	{"RemoveFilterPolicy", cmds(CmdDeploy), []Grant{grant("RootwatchRepairSubscriptions", topicRes, "sns:SetSubscriptionAttributes")}},
	{"Subscribe", cmds(CmdTest), []Grant{grant("RootwatchTestSubscriptions", []string{resTopic, phTopic, resTestTopics}, "sns:Subscribe", "sns:Unsubscribe")}},
	{"Unsubscribe", cmds(CmdTest), []Grant{grant("RootwatchTestSubscriptions", []string{resTopic, phTopic, resTestTopics}, "sns:Subscribe", "sns:Unsubscribe")}},
	{"Publish", cmds(CmdTest), []Grant{grant("RootwatchPublish", []string{resTopic, phTopic, resTestTopics}, "sns:Publish")}},
	{"ConfirmSubscription", cmds(CmdConfirm), []Grant{grant("RootwatchConfirmSubscription", topicRes, "sns:ConfirmSubscription")}},

	// SQS: the dead-letter queues, and test's temporary queues.
	{"CreateQueue", cmds(CmdDeploy), []Grant{grant("RootwatchDeadLetterQueues", []string{resDLQ}, "sqs:CreateQueue", "sqs:TagQueue", "sqs:SetQueueAttributes")}},
	{"CreateQueue", cmds(CmdTest), []Grant{grant("RootwatchTestQueues", []string{resTestQueues}, "sqs:CreateQueue", "sqs:TagQueue", "sqs:SetQueueAttributes")}},
	{"Queue", cmds(CmdDeploy, CmdStatus, CmdDestroy), []Grant{grant("RootwatchDeadLetterQueues", []string{resDLQ}, "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListQueueTags")}},
	{"Queue", cmds(CmdTest), []Grant{grant("RootwatchTestQueueAndDLQ", []string{resDLQ, resTestQueues}, "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListQueueTags")}},
	{"SetQueuePolicy", cmds(CmdDeploy), []Grant{grant("RootwatchDeadLetterQueues", []string{resDLQ}, "sqs:SetQueueAttributes")}},
	{"DeleteQueue", cmds(CmdDestroy), []Grant{grant("RootwatchDeadLetterQueues", []string{resDLQ}, "sqs:DeleteQueue")}},
	{"DeleteQueue", cmds(CmdTest), []Grant{grant("RootwatchTestQueues", []string{resTestQueues}, "sqs:DeleteQueue")}},
	{"Receive", cmds(CmdStatus), []Grant{grant("RootwatchDeadLetterQueues", []string{resDLQ}, "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility")}},
	{"Receive", cmds(CmdTest), []Grant{grant("RootwatchTestQueueAndDLQ", []string{resDLQ, resTestQueues}, "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility")}},

	// KMS: keys are read where the topic's key is; a key policy is written
	// only for the key given with --kms-key-arn.
	{"Key", chainReaders, []Grant{grant("RootwatchReadKeys", []string{resKeys}, "kms:DescribeKey", "kms:GetKeyPolicy")}},
	{"PutKeyPolicy", cmds(CmdDeploy, CmdDestroy), []Grant{grant("RootwatchEditKeyPolicy", []string{phKey}, "kms:PutKeyPolicy")}},

	// CloudTrail.
	{"Trails", cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest), []Grant{grant("RootwatchReadTrails", anyRes, "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:ListTags")}},
	{"CreateTrail", cmds(CmdDeploy), []Grant{grant("RootwatchTrail", []string{resTrail}, "cloudtrail:GetTrail", "cloudtrail:CreateTrail", "cloudtrail:AddTags", "cloudtrail:StartLogging")}},
	{"DeleteTrail", cmds(CmdDestroy), []Grant{grant("RootwatchTrail", []string{resTrail}, "cloudtrail:GetTrail", "cloudtrail:DeleteTrail")}},
	{"Lookup", cmds(CmdAudit, CmdScan), []Grant{grant("RootwatchLookupEvents", anyRes, "cloudtrail:LookupEvents")}},

	// IAM: the forwarder role, created and written only with the boundary,
	// which nothing here can remove or change.
	{"Role", cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest), []Grant{grant("RootwatchReadForwarderRole", roleRes, "iam:GetRole", "iam:ListRoleTags")}},
	{"CreateRole", cmds(CmdDeploy), []Grant{
		{Sid: "RootwatchForwarderRoleWithBoundary", Actions: []string{"iam:CreateRole"}, Resources: roleRes, Condition: boundaryCond},
		grant("RootwatchTagForwarderRole", roleRes, "iam:TagRole"),
	}},
	{"ManagedPolicy", cmds(CmdDeploy, CmdDestroy), []Grant{grant("RootwatchReadBoundary", []string{resBoundary}, "iam:GetPolicy", "iam:GetPolicyVersion")}},
	{"UpdateTrust", cmds(CmdDeploy), []Grant{grant("RootwatchForwarderRoleTrust", roleRes, "iam:UpdateAssumeRolePolicy")}},
	{"RolePolicy", cmds(CmdDeploy, CmdStatus, CmdTest), []Grant{grant("RootwatchReadForwarderRole", roleRes, "iam:GetRolePolicy")}},
	{"PutRolePolicy", cmds(CmdDeploy), []Grant{{Sid: "RootwatchForwarderRoleWithBoundary", Actions: []string{"iam:PutRolePolicy"}, Resources: roleRes, Condition: boundaryCond}}},
	{"DeleteRolePolicy", cmds(CmdDestroy), []Grant{{Sid: "RootwatchForwarderRoleWithBoundary", Actions: []string{"iam:DeleteRolePolicy"}, Resources: roleRes, Condition: boundaryCond}}},
	{"DeleteRole", cmds(CmdDestroy), []Grant{grant("RootwatchDeleteForwarderRole", roleRes, "iam:DeleteRole")}},
	// What else bears on the forwarder's permission to forward (issue 9 case
	// 5): status reads its other policies, attached ones and its boundary
	// (any managed policy: whatever someone attached); deploy makes the role
	// exactly rootwatch's again. Each change is allowed only while the role
	// is (or, for the boundary, becomes) bounded by rootwatch's boundary, so
	// no change can let the role do more than the boundary; nothing here
	// attaches a policy or removes a boundary.
	{"RolePolicyNames", cmds(CmdDeploy, CmdStatus, CmdTest), []Grant{grant("RootwatchReadForwarderPermissions", []string{resRole}, "iam:ListRolePolicies", "iam:ListAttachedRolePolicies")}},
	{"RoleManagedPolicies", cmds(CmdDeploy, CmdStatus, CmdTest), []Grant{grant("RootwatchReadForwarderPermissions", []string{resRole}, "iam:ListRolePolicies", "iam:ListAttachedRolePolicies")}},
	{"ManagedPolicy", cmds(CmdStatus, CmdTest), []Grant{grant("RootwatchReadRolePolicies", []string{resPolicies, resAWSPolicies}, "iam:GetPolicy", "iam:GetPolicyVersion")}},
	{"PutRoleBoundary", cmds(CmdDeploy), []Grant{{Sid: "RootwatchRepairForwarderRole", Actions: []string{"iam:PutRolePermissionsBoundary"}, Resources: []string{resRole}, Condition: boundaryCond}}},
	{"DeleteRolePolicy", cmds(CmdDeploy), []Grant{{Sid: "RootwatchRepairForwarderRole", Actions: []string{"iam:DeleteRolePolicy"}, Resources: []string{resRole}, Condition: boundaryCond}}},
	{"DetachRolePolicy", cmds(CmdDeploy), []Grant{{Sid: "RootwatchRepairForwarderRole", Actions: []string{"iam:DetachRolePolicy"}, Resources: []string{resRole}, Condition: boundaryCond}}},
	// The same of the channel role, whose Deny silences every channel: read
	// by status (and test, which runs its checks), repaired by deploy.
	{"RolePolicyNames", cmds(CmdDeploy, CmdStatus, CmdTest), []Grant{grant("RootwatchReadChannelRolePermissions", []string{resChannelRole}, "iam:ListRolePolicies", "iam:ListAttachedRolePolicies")}},
	{"RoleManagedPolicies", cmds(CmdDeploy, CmdStatus, CmdTest), []Grant{grant("RootwatchReadChannelRolePermissions", []string{resChannelRole}, "iam:ListRolePolicies", "iam:ListAttachedRolePolicies")}},
	{"PutRoleBoundary", cmds(CmdDeploy), []Grant{{Sid: "RootwatchRepairChannelRole", Actions: []string{"iam:PutRolePermissionsBoundary"}, Resources: []string{resChannelRole}, Condition: boundaryCond}}},
	{"DeleteRolePolicy", cmds(CmdDeploy), []Grant{{Sid: "RootwatchRepairChannelRole", Actions: []string{"iam:DeleteRolePolicy"}, Resources: []string{resChannelRole}, Condition: boundaryCond}}},
	{"DetachRolePolicy", cmds(CmdDeploy), []Grant{{Sid: "RootwatchRepairChannelRole", Actions: []string{"iam:DetachRolePolicy"}, Resources: []string{resChannelRole}, Condition: boundaryCond}}},
	// destroy empties a role of rootwatch's before deleting it (IAM refuses
	// DeleteRole while a policy is on it): it lists what others put there,
	// deletes their inline policies (RootwatchForwarderRoleWithBoundary
	// above) and detaches their managed ones, only while the role is
	// bounded by rootwatch's boundary.
	{"RolePolicyNames", cmds(CmdDestroy), []Grant{grant("RootwatchListRolePolicies", roleRes, "iam:ListRolePolicies", "iam:ListAttachedRolePolicies")}},
	{"RoleManagedPolicies", cmds(CmdDestroy), []Grant{grant("RootwatchListRolePolicies", roleRes, "iam:ListRolePolicies", "iam:ListAttachedRolePolicies")}},
	{"DetachRolePolicy", cmds(CmdDestroy), []Grant{{Sid: "RootwatchDetachFromRoles", Actions: []string{"iam:DetachRolePolicy"}, Resources: roleRes, Condition: boundaryCond}}},
	// A role whose boundary someone replaced or removed is bounded by
	// rootwatch's again first, when it exists (RootwatchReadBoundary lets
	// destroy read it), so that the grants deleting and detaching hold:
	// only rootwatch's boundary, only on its two roles.
	{"PutRoleBoundary", cmds(CmdDestroy), []Grant{{Sid: "RootwatchRestoreRoleBoundary", Actions: []string{"iam:PutRolePermissionsBoundary"}, Resources: roleRes, Condition: boundaryCond}}},

	// S3: the trail's bucket (--create-trail), and archives given with --bucket.
	{"CreateBucket", cmds(CmdDeploy), []Grant{grant("RootwatchTrailBucket", []string{resTrailBucket}, "s3:ListBucket", "s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock")}},
	{"BucketPolicy", cmds(CmdDeploy, CmdDestroy), []Grant{grant("RootwatchTrailBucket", []string{resTrailBucket}, "s3:GetBucketPolicy")}},
	{"DeleteBucket", cmds(CmdDestroy), []Grant{grant("RootwatchTrailBucket", []string{resTrailBucket}, "s3:DeleteBucket")}},
	{"List", cmds(CmdDestroy), []Grant{grant("RootwatchTrailBucket", []string{resTrailBucket}, "s3:ListBucket")}},
	{"List", cmds(CmdScan), []Grant{grant("RootwatchReadArchives", []string{phBucket}, "s3:ListBucket")}},
	{"Open", cmds(CmdScan), []Grant{grant("RootwatchReadArchiveObjects", []string{phObject}, "s3:GetObject")}},

	// Channels: listing needs "*"; the listing describes each connection
	// (metadata, never the secret).
	{"Connections", cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest), []Grant{grant("RootwatchListChannels", anyRes, "events:ListConnections", "events:DescribeConnection")}},
	{"CreateConnection", cmds(CmdDeploy), []Grant{grant("RootwatchChannelConnections", connRes, "events:CreateConnection", "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:TagResource", "secretsmanager:DescribeSecret")}},
	{"UpdateConnection", cmds(CmdDeploy), []Grant{grant("RootwatchChannelConnections", connRes, "events:UpdateConnection", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue")}},
	{"DeleteConnection", cmds(CmdDeploy, CmdDestroy), []Grant{grant("RootwatchChannelConnections", connRes, "events:DeleteConnection", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret")}},
	{"Destinations", cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest), []Grant{grant("RootwatchListChannels", anyRes, "events:ListApiDestinations", "events:DescribeApiDestination")}},
	{"CreateDestination", cmds(CmdDeploy), []Grant{grant("RootwatchChannelDestinations", []string{resDestination, resConnection}, "events:CreateApiDestination")}},
	{"UpdateDestination", cmds(CmdDeploy), []Grant{grant("RootwatchChannelDestinations", []string{resDestination, resConnection}, "events:UpdateApiDestination")}},
	{"DeleteDestination", cmds(CmdDeploy, CmdDestroy), []Grant{grant("RootwatchChannelDestinations", []string{resDestination, resConnection}, "events:DeleteApiDestination")}},

	// CloudWatch: the alarms that make a broken chain loud.
	{"Alarms", cmds(CmdDeploy, CmdStatus, CmdDestroy, CmdTest), []Grant{
		grant("RootwatchDescribeAlarms", anyRes, "cloudwatch:DescribeAlarms"),
		grant("RootwatchAlarms", []string{resAlarms}, "cloudwatch:ListTagsForResource"),
	}},
	{"PutAlarm", cmds(CmdDeploy), []Grant{grant("RootwatchAlarms", []string{resAlarms}, "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource")}},
	{"DeleteAlarms", cmds(CmdDeploy, CmdDestroy), []Grant{grant("RootwatchAlarms", []string{resAlarms}, "cloudwatch:DeleteAlarms")}},

	// --org, with the management account's credentials (the organization's
	// policies are named by generated IDs: "*"), and the central bus's policy.
	{"SetBusPolicy", cmds(CmdOrg), []Grant{grant("RootwatchOrgCentralBus", []string{resBus}, "events:PutPermission", "events:RemovePermission")}},
	{"DescribeOrganization", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:DescribeOrganization")}},
	{"Accounts", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:ListAccounts")}},
	{"AssumeRole", cmds(CmdOrg), []Grant{grant("RootwatchAssumeOrganizationAccessRole", []string{resAccessRole}, "sts:AssumeRole")}},
	{"Roots", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:ListRoots")}},
	{"Policies", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:ListPolicies")}},
	{"Policy", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:DescribePolicy", "organizations:ListTagsForResource")}},
	{"CreatePolicy", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:CreatePolicy", "organizations:TagResource")}},
	{"UpdatePolicy", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:UpdatePolicy")}},
	{"DeletePolicy", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:DeletePolicy")}},
	{"PolicyTargets", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:ListTargetsForPolicy")}},
	{"AttachPolicy", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:AttachPolicy")}},
	{"DetachPolicy", cmds(CmdOrg), []Grant{grant("RootwatchOrganization", anyRes, "organizations:DetachPolicy")}},

	// audit: IAM, Organizations and Account reads; member accounts' root
	// credentials through a root session limited to AWS's audit task policy.
	{"CredentialReport", cmds(CmdAudit), []Grant{grant("RootwatchAudit", anyRes, "iam:GenerateCredentialReport", "iam:GetCredentialReport")}},
	{"AccountSummary", cmds(CmdAudit), []Grant{grant("RootwatchAudit", anyRes, "iam:GetAccountSummary")}},
	{"Organization", cmds(CmdAudit), []Grant{grant("RootwatchAudit", anyRes, "organizations:DescribeOrganization")}},
	{"RootAccessFeatures", cmds(CmdAudit), []Grant{grant("RootwatchAudit", anyRes, "iam:ListOrganizationsFeatures")}},
	{"Accounts", cmds(CmdAudit), []Grant{grant("RootwatchAudit", anyRes, "organizations:ListAccounts")}},
	{"MemberRootCredentials", cmds(CmdAudit), []Grant{{Sid: "RootwatchAuditMemberRoots", Actions: []string{"sts:AssumeRoot"}, Resources: []string{resMemberRoots},
		Condition: map[string]map[string][]string{"StringEquals": {"sts:TaskPolicyArn": {auditRootTaskPolicy}}}}}},
	{"AlternateContact", cmds(CmdAudit), []Grant{grant("RootwatchAuditContacts", []string{resAccount}, "account:GetAlternateContact")}},
}

// PermissionsFor returns the rows of a method ("PutRule"): one per set of
// commands that need it on different resources.
func PermissionsFor(method string) []Permission {
	var out []Permission
	for _, p := range Permissions {
		if p.Method == method {
			out = append(out, p)
		}
	}
	return out
}

// PolicyOptions say which commands a policy is for and which resources named
// by the user it may touch.
type PolicyOptions struct {
	Commands  []string // default: every command in PolicyCommands but CmdOrg
	TopicARNs []string // --topic-arn: an SNS topic rootwatch alerts to instead of its own
	KeyARNs   []string // --kms-key-arn: a KMS key whose policy deploy may extend (--fix-kms-policy)
	Buckets   []string // --bucket: S3 buckets scan may read archives from
}

// PolicyStatement is one statement of a printed policy.
type PolicyStatement struct {
	Sid       string                         `json:"Sid"`
	Effect    string                         `json:"Effect"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// PolicyStatements returns the statements of the least-privilege policy for
// o, in the table's order of first use. Grants of the same Sid share their
// resources and condition.
func PolicyStatements(o PolicyOptions) []PolicyStatement {
	commands := o.Commands
	if len(commands) == 0 {
		commands = slices.DeleteFunc(slices.Clone(PolicyCommands), func(c string) bool { return c == CmdOrg })
	}
	expand := func(res []string) []string {
		var out []string
		for _, r := range res {
			switch r {
			case phTopic:
				out = append(out, o.TopicARNs...)
			case phKey:
				out = append(out, o.KeyARNs...)
			case phBucket:
				for _, b := range o.Buckets {
					out = append(out, "arn:aws:s3:::"+b)
				}
			case phObject:
				for _, b := range o.Buckets {
					out = append(out, "arn:aws:s3:::"+b+"/*")
				}
			default:
				out = append(out, r)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	var order []string
	bySid := map[string]*PolicyStatement{}
	for _, p := range Permissions {
		if !slices.ContainsFunc(p.Commands, func(c string) bool { return slices.Contains(commands, c) }) {
			continue
		}
		for _, g := range p.Grants {
			res := expand(g.Resources)
			if len(res) == 0 {
				continue // only placeholders, none given
			}
			cond := map[string]map[string][]string{}
			for op, kv := range g.Condition {
				cond[op] = map[string][]string{}
				for k, vs := range kv {
					cond[op][k] = expand(vs)
				}
			}
			if len(cond) == 0 {
				cond = nil
			}
			st, ok := bySid[g.Sid]
			if !ok {
				st = &PolicyStatement{Sid: g.Sid, Effect: "Allow", Resource: res, Condition: cond}
				bySid[g.Sid] = st
				order = append(order, g.Sid)
			} else if !slices.Equal(st.Resource, res) || fmt.Sprint(st.Condition) != fmt.Sprint(cond) {
				panic(fmt.Sprintf("deploy.Permissions: statement %s has grants with different resources or conditions (%s)", g.Sid, p.Method))
			}
			st.Action = append(st.Action, g.Actions...)
		}
	}
	out := make([]PolicyStatement, 0, len(order))
	for _, sid := range order {
		st := bySid[sid]
		slices.Sort(st.Action)
		st.Action = slices.Compact(st.Action)
		out = append(out, *st)
	}
	return out
}

// IAMPolicy returns the least-privilege IAM policy for o as indented JSON.
func IAMPolicy(o PolicyOptions) string {
	return policyJSON(PolicyStatements(o))
}

func policyJSON(stmts []PolicyStatement) string {
	type stmt struct {
		Sid       string                    `json:"Sid"`
		Effect    string                    `json:"Effect"`
		Action    any                       `json:"Action"`
		Resource  any                       `json:"Resource"`
		Condition map[string]map[string]any `json:"Condition,omitempty"`
	}
	doc := struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}{Version: "2012-10-17"}
	for _, s := range stmts {
		var cond map[string]map[string]any
		for _, op := range slices.Sorted(maps.Keys(s.Condition)) {
			if cond == nil {
				cond = map[string]map[string]any{}
			}
			cond[op] = map[string]any{}
			for k, vs := range s.Condition[op] {
				cond[op][k] = policy.Values(vs)
			}
		}
		doc.Statement = append(doc.Statement, stmt{s.Sid, s.Effect, policy.Values(s.Action), policy.Values(s.Resource), cond})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

// BoundaryPolicy is the permissions boundary of the roles rootwatch creates
// (the forwarder's and the channels') in an account with its own chain, for
// an administrator to create once as the customer managed policy
// BoundaryPolicyName: a role may at most put events on rootwatch's bus and
// invoke rootwatch's API destinations (chain.AccountBoundary).
func BoundaryPolicy() string {
	return policy.Pretty(chain.AccountBoundary()) + "\n"
}

// MemberBoundaryPolicy is the permissions boundary of the forwarder role of
// an organization's member account, whose forwarders put events on the
// central bus centralBusARN: events:PutEvents on that bus only
// (chain.MemberBoundary).
func MemberBoundaryPolicy(centralBusARN string) string {
	return policy.Pretty(chain.MemberBoundary(centralBusARN)) + "\n"
}

// BoundaryARN returns the ARN of the forwarder's permissions boundary in an
// account of a partition.
func BoundaryARN(partition, account string) string { return chain.BoundaryARN(partition, account) }

// ReadOnlyAction reports whether an action only reads: what a policy for
// scheduled status checks may hold. Peeking at a dead-letter queue
// (ReceiveMessage with a zero visibility timeout, then
// ChangeMessageVisibility back to zero) counts as reading.
func ReadOnlyAction(action string) bool {
	_, name, _ := strings.Cut(action, ":")
	for _, p := range []string{"Get", "List", "Describe"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return action == "sqs:ReceiveMessage" || action == "sqs:ChangeMessageVisibility"
}
