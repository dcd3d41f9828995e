package deploy

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
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
	// CmdOrg is what --org needs on top of the others: of the management
	// account's credentials, Organizations, AssumeRole and the SCP; of the
	// central account's role, the central bus policy. (In every account,
	// --role-name's role needs deploy's, status's and destroy's permissions;
	// the default, OrganizationAccountAccessRole, has all.)
	CmdOrg = "org"
)

// Resource patterns of the permissions table ("*" where the resource's name is
// the user's, such as a topic given with --topic-arn, or where the action
// supports no resource-level permission).
const (
	resAny       = "*"
	resBus       = "arn:aws:events:*:*:event-bus/" + chain.BusName
	resRules     = "arn:aws:events:*:*:rule/rootwatch-*"
	resBusRules  = "arn:aws:events:*:*:rule/" + chain.BusName + "/rootwatch-*"
	resTopic     = "arn:aws:sns:*:*:" + chain.TopicName
	resQueue     = "arn:aws:sqs:*:*:" + chain.DLQName
	resRole      = "arn:aws:iam::*:role/" + chain.ForwarderRoleName
	resTrail     = "arn:aws:cloudtrail:*:*:trail/" + chain.TrailName
	resBucket    = "arn:aws:s3:::" + chain.TrailBucketPrefix + "*"
	resBucketObj = "arn:aws:s3:::" + chain.TrailBucketPrefix + "*/*"

	// --org: the role deploy --org assumes in every account.
	resAccessRole = "arn:aws:iam::*:role/" + cloud.DefaultAccessRole

	// Channels (--slack, ...): connections and API destinations in the home
	// region, the secrets EventBridge keeps for the connections, and the role
	// the channels' targets use.
	resConnection  = "arn:aws:events:*:*:connection/" + chain.ChannelPrefix + "*"
	resDestination = "arn:aws:events:*:*:api-destination/" + chain.ChannelPrefix + "*"
	resSecret      = "arn:aws:secretsmanager:*:*:secret:events!connection/" + chain.ChannelPrefix + "*"
	resChannelRole = "arn:aws:iam::*:role/" + chain.ChannelRoleName
)

// Permission is one row of the permissions table: the IAM actions one
// cloud.Account method needs (the API calls internal/awscloud makes for it),
// on which resources, for which commands.
type Permission struct {
	Method    string // "PutRule": the cloud interfaces' method name (unique across them), as cloudtest.Recorder counts calls
	Actions   []string
	Resources []string
	Commands  []string
}

var (
	all         = []string{CmdDeploy, CmdStatus, CmdDestroy}
	deployOnly  = []string{CmdDeploy}
	destroyOnly = []string{CmdDestroy}
	deployDest  = []string{CmdDeploy, CmdDestroy}
	statusOnly  = []string{CmdStatus}
	orgOnly     = []string{CmdOrg}
	ruleRes     = []string{resRules, resBusRules}
	roleRes     = []string{resRole, resChannelRole}
	connRes     = []string{resConnection, resSecret}
)

// Permissions is the one table iam-policy is derived from. A test checks that
// every method deploy, status and destroy call appears in it for that command.
var Permissions = []Permission{
	{"Identity", nil, nil, all}, // sts:GetCallerIdentity needs no permission
	{"Regions", []string{"ec2:DescribeRegions"}, []string{resAny}, all},

	{"Bus", []string{"events:DescribeEventBus", "events:ListTagsForResource"}, []string{resBus}, all},
	{"CreateBus", []string{"events:CreateEventBus", "events:TagResource"}, []string{resBus}, deployOnly},
	{"DeleteBus", []string{"events:DeleteEventBus"}, []string{resBus}, destroyOnly},
	{"SetBusPolicy", []string{"events:PutPermission", "events:RemovePermission"}, []string{resBus}, orgOnly}, // the central bus
	{"Rules", []string{"events:ListRules", "events:ListTagsForResource"}, []string{resAny}, all},
	{"Rule", []string{"events:DescribeRule", "events:ListTagsForResource"}, ruleRes, all},
	{"PutRule", []string{"events:PutRule", "events:TagResource"}, ruleRes, deployOnly},
	{"DeleteRule", []string{"events:DeleteRule"}, ruleRes, deployDest},
	{"Targets", []string{"events:ListTargetsByRule"}, ruleRes, all},
	{"PutTargets", []string{"events:PutTargets", "iam:PassRole"}, ruleRes, deployOnly},
	{"RemoveTargets", []string{"events:RemoveTargets"}, ruleRes, deployDest},

	{"CreateTopic", []string{"sns:CreateTopic", "sns:TagResource"}, []string{resTopic}, deployOnly},
	{"Topic", []string{"sns:GetTopicAttributes", "sns:ListTagsForResource"}, []string{resAny}, all},
	{"SetTopicPolicy", []string{"sns:SetTopicAttributes"}, []string{resAny}, deployDest},
	{"DeleteTopic", []string{"sns:DeleteTopic"}, []string{resTopic}, destroyOnly},
	{"Subscriptions", []string{"sns:ListSubscriptionsByTopic"}, []string{resAny}, all},
	{"Subscribe", []string{"sns:Subscribe"}, []string{resAny}, deployOnly},

	{"CreateQueue", []string{"sqs:CreateQueue", "sqs:TagQueue", "sqs:SetQueueAttributes"}, []string{resQueue}, deployOnly},
	{"Queue", []string{"sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListQueueTags"}, []string{resQueue}, all},
	{"SetQueuePolicy", []string{"sqs:SetQueueAttributes"}, []string{resQueue}, deployOnly},
	{"DeleteQueue", []string{"sqs:DeleteQueue"}, []string{resQueue}, destroyOnly},
	{"Receive", []string{"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"}, []string{resQueue}, statusOnly},

	{"Key", []string{"kms:DescribeKey", "kms:GetKeyPolicy"}, []string{resAny}, all},
	{"PutKeyPolicy", []string{"kms:PutKeyPolicy"}, []string{resAny}, deployDest},

	{"Trails", []string{"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:ListTags"}, []string{resAny}, all},
	{"CreateTrail", []string{"cloudtrail:GetTrail", "cloudtrail:CreateTrail", "cloudtrail:AddTags", "cloudtrail:StartLogging"}, []string{resTrail}, deployOnly},
	{"DeleteTrail", []string{"cloudtrail:GetTrail", "cloudtrail:DeleteTrail"}, []string{resTrail}, destroyOnly},

	{"Role", []string{"iam:GetRole", "iam:ListRoleTags"}, roleRes, all},
	{"CreateRole", []string{"iam:CreateRole", "iam:TagRole"}, roleRes, deployOnly},
	{"UpdateTrust", []string{"iam:UpdateAssumeRolePolicy"}, roleRes, deployOnly},
	{"RolePolicy", []string{"iam:GetRolePolicy"}, roleRes, all},
	{"PutRolePolicy", []string{"iam:PutRolePolicy"}, roleRes, deployOnly},
	{"DeleteRolePolicy", []string{"iam:DeleteRolePolicy"}, roleRes, destroyOnly},
	{"DeleteRole", []string{"iam:DeleteRole"}, roleRes, destroyOnly},

	// Listing needs "*"; the listing describes each connection (metadata,
	// never the secret).
	{"Connections", []string{"events:ListConnections", "events:DescribeConnection"}, []string{resAny}, all},
	{"CreateConnection", []string{"events:CreateConnection", "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:TagResource", "secretsmanager:DescribeSecret"}, connRes, deployOnly},
	{"UpdateConnection", []string{"events:UpdateConnection", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}, connRes, deployOnly},
	{"DeleteConnection", []string{"events:DeleteConnection", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret"}, connRes, deployDest},
	{"Destinations", []string{"events:ListApiDestinations", "events:DescribeApiDestination"}, []string{resAny}, all},
	{"CreateDestination", []string{"events:CreateApiDestination"}, []string{resDestination, resConnection}, deployOnly},
	{"UpdateDestination", []string{"events:UpdateApiDestination"}, []string{resDestination, resConnection}, deployOnly},
	{"DeleteDestination", []string{"events:DeleteApiDestination"}, []string{resDestination}, deployDest},

	{"CreateBucket", []string{"s3:ListBucket", "s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutBucketTagging"}, []string{resBucket}, deployOnly},
	{"BucketPolicy", []string{"s3:GetBucketPolicy"}, []string{resBucket}, deployDest},
	{"DeleteBucket", []string{"s3:DeleteBucket"}, []string{resBucket}, destroyOnly},
	{"List", []string{"s3:ListBucket"}, []string{resBucket}, destroyOnly},

	// --org, with the management account's credentials (the organization's
	// policies are named by generated IDs: "*").
	{"DescribeOrganization", []string{"organizations:DescribeOrganization"}, []string{resAny}, orgOnly},
	{"Accounts", []string{"organizations:ListAccounts"}, []string{resAny}, orgOnly},
	{"AssumeRole", []string{"sts:AssumeRole"}, []string{resAccessRole}, orgOnly},
	{"Roots", []string{"organizations:ListRoots"}, []string{resAny}, orgOnly},
	{"Policies", []string{"organizations:ListPolicies"}, []string{resAny}, orgOnly},
	{"Policy", []string{"organizations:DescribePolicy", "organizations:ListTagsForResource"}, []string{resAny}, orgOnly},
	{"CreatePolicy", []string{"organizations:CreatePolicy", "organizations:TagResource"}, []string{resAny}, orgOnly},
	{"UpdatePolicy", []string{"organizations:UpdatePolicy"}, []string{resAny}, orgOnly},
	{"DeletePolicy", []string{"organizations:DeletePolicy"}, []string{resAny}, orgOnly},
	{"PolicyTargets", []string{"organizations:ListTargetsForPolicy"}, []string{resAny}, orgOnly},
	{"AttachPolicy", []string{"organizations:AttachPolicy"}, []string{resAny}, orgOnly},
	{"DetachPolicy", []string{"organizations:DetachPolicy"}, []string{resAny}, orgOnly},
}

// PermissionFor returns the table row of a method ("PutRule").
func PermissionFor(method string) (Permission, bool) {
	for _, p := range Permissions {
		if p.Method == method {
			return p, true
		}
	}
	return Permission{}, false
}

// IAMPolicy returns the least-privilege IAM policy the given commands need
// (all three when none is given), as indented JSON. Statements group the
// actions that apply to the same resources.
func IAMPolicy(commands ...string) string {
	if len(commands) == 0 {
		commands = all
	}
	byRes := map[string]map[string]bool{}
	resList := map[string][]string{}
	for _, p := range Permissions {
		if len(p.Actions) == 0 || !slices.ContainsFunc(p.Commands, func(c string) bool { return slices.Contains(commands, c) }) {
			continue
		}
		for _, a := range p.Actions {
			res := p.Resources
			key := strings.Join(res, " ")
			if a == "iam:PassRole" {
				res = roleRes
				key = passRoleKey
			}
			if byRes[key] == nil {
				byRes[key] = map[string]bool{}
				resList[key] = res
			}
			byRes[key][a] = true
		}
	}
	keys := make([]string, 0, len(byRes))
	for k := range byRes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type stmt struct {
		Sid       string         `json:"Sid"`
		Effect    string         `json:"Effect"`
		Action    []string       `json:"Action"`
		Resource  policy.Values  `json:"Resource"`
		Condition map[string]any `json:"Condition,omitempty"`
	}
	doc := struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}{Version: "2012-10-17"}
	for i, k := range keys {
		var actions []string
		for a := range byRes[k] {
			actions = append(actions, a)
		}
		sort.Strings(actions)
		st := stmt{Sid: sids[k], Effect: "Allow", Action: actions, Resource: resList[k]}
		if st.Sid == "" {
			st.Sid = fmt.Sprintf("Rootwatch%d", i+1)
		}
		if k == passRoleKey {
			st.Condition = map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "events.amazonaws.com"}}
		}
		doc.Statement = append(doc.Statement, st)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

// passRoleKey groups iam:PassRole on its own, under a condition.
const passRoleKey = "passrole"

// sids names the statements by the resources they cover.
var sids = map[string]string{
	resAny:                               "RootwatchReadAndEditNamedByUser",
	resBus:                               "RootwatchEventBus",
	strings.Join(ruleRes, " "):           "RootwatchRules",
	resTopic:                             "RootwatchTopic",
	resQueue:                             "RootwatchDeadLetterQueues",
	strings.Join(roleRes, " "):           "RootwatchRoles",
	strings.Join(connRes, " "):           "RootwatchChannelConnections",
	resDestination + " " + resConnection: "RootwatchChannelDestinations",
	passRoleKey:                          "RootwatchPassRolesToEventBridge",
	resTrail:                             "RootwatchTrail",
	resBucket:                            "RootwatchTrailBucket",
	resAccessRole:                        "RootwatchAssumeOrganizationAccessRole",
}
