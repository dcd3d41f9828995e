package pattern_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rootwatch/rootwatch/internal/pattern"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// The benchmarks match a seeded stream of CloudTrail-shaped EventBridge
// events (1–3 KB, many services, event names and identity types, about 0.1%
// root activity) against the rule pack alone and with 1,000 and 10,000
// random patterns of the kinds users write on CloudTrail fields. They report
// events/s and MB/s, on one goroutine and on all cores:
//
//	go test -run '^$' -bench . -benchmem ./internal/pattern/

var services = map[string][]string{
	"ec2":            {"RunInstances", "TerminateInstances", "DescribeInstances", "StartInstances", "StopInstances", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "DescribeVolumes", "CreateTags", "DescribeSnapshots"},
	"s3":             {"GetObject", "PutObject", "DeleteObject", "ListBuckets", "CreateBucket", "DeleteBucket", "PutBucketPolicy", "GetBucketAcl", "HeadObject"},
	"iam":            {"CreateUser", "DeleteUser", "CreateAccessKey", "AttachRolePolicy", "PutRolePolicy", "CreateRole", "ListRoles", "GetUser", "UpdateAssumeRolePolicy", "CreateLoginProfile"},
	"sts":            {"AssumeRole", "GetCallerIdentity", "AssumeRoleWithWebIdentity", "GetSessionToken", "AssumeRoot"},
	"signin":         {"ConsoleLogin", "PasswordRecoveryRequested", "PasswordRecoveryCompleted", "SwitchRole"},
	"lambda":         {"Invoke", "CreateFunction20150331", "UpdateFunctionCode20150331v2", "ListFunctions20150331", "GetFunction20150331v2"},
	"kms":            {"Decrypt", "Encrypt", "GenerateDataKey", "CreateKey", "ScheduleKeyDeletion", "DescribeKey"},
	"cloudtrail":     {"StopLogging", "DeleteTrail", "UpdateTrail", "LookupEvents", "DescribeTrails"},
	"rds":            {"CreateDBInstance", "DeleteDBInstance", "ModifyDBInstance", "DescribeDBInstances"},
	"dynamodb":       {"CreateTable", "DeleteTable", "DescribeTable", "UpdateTable", "ListTables"},
	"logs":           {"CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DescribeLogGroups"},
	"sns":            {"Publish", "CreateTopic", "Subscribe", "DeleteTopic"},
	"sqs":            {"CreateQueue", "DeleteQueue", "SetQueueAttributes"},
	"organizations":  {"CreateAccount", "CloseAccount", "LeaveOrganization", "DescribeOrganization"},
	"config":         {"PutConfigRule", "StopConfigurationRecorder", "DescribeConfigRules"},
	"guardduty":      {"DeleteDetector", "ListFindings", "GetFindings"},
	"secretsmanager": {"GetSecretValue", "CreateSecret", "DeleteSecret", "RotateSecret"},
	"ssm":            {"GetParameter", "PutParameter", "StartSession", "SendCommand"},
	"ecr":            {"GetAuthorizationToken", "BatchGetImage", "PutImage"},
	"eks":            {"CreateCluster", "DeleteCluster", "DescribeCluster"},
	"route53":        {"ChangeResourceRecordSets", "ListHostedZones"},
	"account":        {"PutAlternateContact", "GetContactInformation"},
	"events":         {"PutRule", "PutTargets", "DeleteRule", "DisableRule"},
	"cloudformation": {"CreateStack", "DeleteStack", "UpdateStack", "DescribeStacks"},
	"elasticloadbalancing": {
		"CreateLoadBalancer", "DeleteLoadBalancer", "DescribeLoadBalancers"},
	"acm":               {"RequestCertificate", "DeleteCertificate", "DescribeCertificate"},
	"apigateway":        {"CreateRestApi", "DeleteRestApi", "GetRestApis", "UpdateStage"},
	"athena":            {"StartQueryExecution", "GetQueryResults", "CreateWorkGroup"},
	"autoscaling":       {"CreateAutoScalingGroup", "UpdateAutoScalingGroup", "DescribeAutoScalingGroups"},
	"backup":            {"StartBackupJob", "DeleteBackupVault", "ListBackupJobs"},
	"batch":             {"SubmitJob", "CreateComputeEnvironment", "DescribeJobs"},
	"cloudfront":        {"CreateDistribution", "UpdateDistribution", "ListDistributions"},
	"codebuild":         {"StartBuild", "CreateProject", "BatchGetBuilds"},
	"codecommit":        {"GitPush", "CreateRepository", "GetRepository"},
	"codepipeline":      {"StartPipelineExecution", "UpdatePipeline", "GetPipeline"},
	"cognito-idp":       {"AdminCreateUser", "AdminDeleteUser", "ListUsers", "InitiateAuth"},
	"directconnect":     {"CreateConnection", "DescribeConnections"},
	"ds":                {"CreateDirectory", "DescribeDirectories"},
	"ecs":               {"RunTask", "StopTask", "CreateService", "UpdateService", "DescribeTasks"},
	"elasticache":       {"CreateCacheCluster", "DeleteCacheCluster", "DescribeCacheClusters"},
	"elasticfilesystem": {"CreateFileSystem", "DeleteFileSystem", "DescribeFileSystems"},
	"es":                {"CreateDomain", "DeleteDomain", "DescribeDomain"},
	"firehose":          {"CreateDeliveryStream", "PutRecordBatch", "DescribeDeliveryStream"},
	"glue":              {"CreateJob", "StartJobRun", "GetTables", "CreateCrawler"},
	"inspector2":        {"Enable", "Disable", "ListFindings"},
	"kinesis":           {"CreateStream", "DeleteStream", "PutRecords", "DescribeStream"},
	"macie2":            {"EnableMacie", "DisableMacie", "GetFindings"},
	"redshift":          {"CreateCluster", "DeleteCluster", "DescribeClusters"},
	"sagemaker":         {"CreateNotebookInstance", "CreateTrainingJob", "DescribeEndpoint"},
	"securityhub":       {"BatchImportFindings", "DisableSecurityHub", "GetFindings"},
	"servicecatalog":    {"ProvisionProduct", "CreatePortfolio", "SearchProducts"},
	"ses":               {"SendEmail", "VerifyEmailIdentity", "DeleteIdentity"},
	"sso":               {"CreatePermissionSet", "AttachManagedPolicyToPermissionSet", "ListInstances"},
	"states":            {"StartExecution", "CreateStateMachine", "DescribeExecution"},
	"support":           {"CreateCase", "DescribeCases"},
	"waf":               {"CreateWebACL", "UpdateWebACL", "GetWebACL"},
	"wafv2":             {"CreateWebACL", "UpdateWebACL", "ListWebACLs"},
	"workspaces":        {"CreateWorkspaces", "TerminateWorkspaces", "DescribeWorkspaces"},
	"xray":              {"PutTraceSegments", "GetTraceSummaries"},
	"access-analyzer":   {"CreateAnalyzer", "DeleteAnalyzer", "ListFindings"},
}

var (
	serviceNames = sortedKeys(services)
	regions      = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "sa-east-1", "ca-central-1"}
	identities   = []string{"IAMUser", "AssumedRole", "AssumedRole", "AssumedRole", "AWSService", "FederatedUser", "AWSAccount", "IdentityCenterUser"}
	roles        = []string{"Admin", "ReadOnly", "Deployer", "OrganizationAccountAccessRole", "AWSReservedSSO_PowerUser_1234", "lambda-exec", "ci-runner"}
	users        = []string{"alice", "bob", "carol", "dave", "deploy-bot", "root", "eve", "mallory"}
	errorCodes   = []string{"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "ThrottlingException", "NoSuchEntity", "ValidationException"}
	agents       = []string{"aws-cli/2.15.0 Python/3.11.6 Linux/6.1", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux", "console.amazonaws.com", "aws-sdk-go-v2/1.24.0 os/linux lang/go#1.22", "Terraform/1.6.0 terraform-provider-aws/5.30.0", "cloudformation.amazonaws.com"}
	rootEvents   = []string{"ConsoleLogin", "CreateAccessKey", "PasswordUpdated", "GetCallerIdentity", "ListBuckets", "DescribeInstances", "EnableMFADevice", "CloseAccount", "PutAlternateContact"}
	words        = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november"}
)

func sortedKeys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks { // insertion sort: deterministic order without importing sort
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

const account = "123456789012"

// genEvent returns one CloudTrail-shaped EventBridge event.
func genEvent(r *rand.Rand) []byte {
	svc := pick(r, serviceNames)
	name := pick(r, services[svc])
	root := r.IntN(1000) == 0
	ident := map[string]any{}
	typ := pick(r, identities)
	if root {
		typ = "Root"
		name = pick(r, rootEvents)
		ident["arn"] = "arn:aws:iam::" + account + ":root"
		ident["principalId"] = account
	}
	ident["type"] = typ
	ident["accountId"] = account
	switch typ {
	case "IAMUser":
		u := pick(r, users)
		ident["userName"] = u
		ident["arn"] = "arn:aws:iam::" + account + ":user/" + u
		ident["principalId"] = fmt.Sprintf("AIDA%016X", r.Uint64())
		ident["accessKeyId"] = fmt.Sprintf("AKIA%016X", r.Uint64())
	case "AssumedRole":
		role := pick(r, roles)
		ident["arn"] = fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, role, pick(r, users))
		ident["principalId"] = fmt.Sprintf("AROA%016X:%s", r.Uint64(), pick(r, users))
		ident["accessKeyId"] = fmt.Sprintf("ASIA%016X", r.Uint64())
		ident["sessionContext"] = map[string]any{
			"sessionIssuer":       map[string]any{"type": "Role", "principalId": "AROA" + fmt.Sprint(r.Uint32()), "arn": "arn:aws:iam::" + account + ":role/" + role, "accountId": account, "userName": role},
			"attributes":          map[string]any{"creationDate": "2024-05-01T10:00:00Z", "mfaAuthenticated": pick(r, []string{"true", "false"})},
			"webIdFederationData": map[string]any{},
		}
	case "AWSService":
		ident["invokedBy"] = pick(r, serviceNames) + ".amazonaws.com"
	}
	detailType := "AWS API Call via CloudTrail"
	eventType := "AwsApiCall"
	switch {
	case name == "ConsoleLogin":
		detailType, eventType = "AWS Console Sign In via CloudTrail", "AwsConsoleSignIn"
	case r.IntN(20) == 0:
		detailType, eventType = "AWS Service Event via CloudTrail", "AwsServiceEvent"
	}
	region := pick(r, regions)
	detail := map[string]any{
		"eventVersion":       "1.09",
		"userIdentity":       ident,
		"eventTime":          fmt.Sprintf("2024-05-%02dT%02d:%02d:%02dZ", 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60)),
		"eventSource":        svc + ".amazonaws.com",
		"eventName":          name,
		"awsRegion":          region,
		"sourceIPAddress":    fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
		"userAgent":          pick(r, agents),
		"requestID":          fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff),
		"eventID":            fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff),
		"readOnly":           strings.HasPrefix(name, "Describe") || strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List"),
		"eventType":          eventType,
		"managementEvent":    true,
		"recipientAccountId": account,
		"eventCategory":      "Management",
		"tlsDetails":         map[string]any{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": svc + "." + region + ".amazonaws.com"},
		"additionalEventData": map[string]any{
			"bytesTransferredIn": r.IntN(100000),
			"SignatureVersion":   "SigV4",
		},
	}
	if name == "ConsoleLogin" {
		detail["responseElements"] = map[string]any{"ConsoleLogin": pick(r, []string{"Success", "Success", "Failure"})}
		detail["additionalEventData"] = map[string]any{"MFAUsed": pick(r, []string{"Yes", "No"}), "LoginTo": "https://console.aws.amazon.com/", "MobileVersion": "No"}
	}
	if r.IntN(8) == 0 {
		detail["errorCode"] = pick(r, errorCodes)
		detail["errorMessage"] = "User: " + fmt.Sprint(ident["arn"]) + " is not authorized to perform: " + svc + ":" + name
	}
	// Request parameters and resources make up the bulk, as in real records.
	target := 1000 + r.IntN(2000)
	params := map[string]any{}
	var resources []any
	for i := 0; i < 1+r.IntN(3); i++ {
		resources = append(resources, map[string]any{"ARN": fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s-%d", svc, region, account, pick(r, words), pick(r, words), r.IntN(1000)), "accountId": account, "type": "AWS::" + svc + "::Thing"})
	}
	detail["resources"] = resources
	detail["requestParameters"] = params
	ev := map[string]any{
		"version": "0", "id": fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff),
		"detail-type": detailType, "source": "aws." + svc, "account": account,
		"time": detail["eventTime"], "region": region, "resources": []string{}, "detail": detail,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	size := len(b)
	for n := 0; size < target; n++ {
		var k string
		var v any
		switch n % 3 {
		case 0:
			k, v = pick(r, words)+fmt.Sprint(n), pick(r, words)+"-"+fmt.Sprint(r.IntN(1e6))
		case 1:
			k, v = "filter"+fmt.Sprint(n), map[string]any{"name": pick(r, words), "values": []string{pick(r, words), pick(r, words)}, "maxResults": r.IntN(1000)}
		case 2:
			k, v = "tags"+fmt.Sprint(n), []any{map[string]any{"key": pick(r, words), "value": pick(r, words)}, map[string]any{"key": "env", "value": pick(r, []string{"prod", "dev"})}}
		}
		vb, _ := json.Marshal(v)
		size += len(k) + len(vb) + 4
		params[k] = v
	}
	b, err = json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

// genPattern returns one random user pattern on CloudTrail fields, as users
// write them: pinned to a service (source or eventSource), usually to event
// names, with further filters of every kind; and the kinds of its
// conditions, for the report of the mix.
func genPattern(r *rand.Rand) (string, []string) {
	detail := map[string]any{}
	top := map[string]any{}
	svc := pick(r, serviceNames)
	var kinds []string
	if r.IntN(10) < 8 {
		top["source"] = []string{"aws." + svc}
	} else {
		detail["eventSource"] = []string{svc + ".amazonaws.com"}
	}
	kinds = append(kinds, "exact")
	if r.IntN(2) == 0 {
		top["detail-type"] = []string{"AWS API Call via CloudTrail"}
		kinds = append(kinds, "exact")
	}
	cond := func() (string, any, string) {
		switch k := r.IntN(10); k {
		case 0, 1: // exact event names, possibly of another service
			names := []string{pick(r, services[svc])}
			if r.IntN(3) == 0 {
				names = append(names, pick(r, services[pick(r, serviceNames)]))
			}
			return "eventName", names, "exact"
		case 2: // prefix
			return pick(r, []string{"eventName", "userAgent", "userIdentity.arn"}), []any{map[string]any{"prefix": pick(r, []string{"Delete", "Create", "Put", "Stop", "aws-cli/", "Boto3/", "arn:aws:sts::" + account + ":assumed-role/" + pick(r, roles), "Update"})}}, "prefix"
		case 3: // suffix
			return pick(r, []string{"userIdentity.arn", "eventSource"}), []any{map[string]any{"suffix": pick(r, []string{"/" + pick(r, users), pick(r, serviceNames) + ".amazonaws.com", ":root"})}}, "suffix"
		case 4: // anything-but
			return pick(r, []string{"awsRegion", "userIdentity.type", "eventName"}), []any{map[string]any{"anything-but": pick(r, []any{
				[]string{pick(r, regions), pick(r, regions)}, pick(r, identities), map[string]any{"prefix": pick(r, []string{"Describe", "Get", "List"})}})}}, "anything-but"
		case 5: // numeric
			lo := r.IntN(90000)
			return "additionalEventData.bytesTransferredIn", []any{map[string]any{"numeric": []any{">=", lo, "<", lo + 1 + r.IntN(10000)}}}, "numeric"
		case 6: // exists
			return pick(r, []string{"errorCode", "userIdentity.invokedBy", "userIdentity.sessionContext.sessionIssuer.userName"}), []any{map[string]any{"exists": r.IntN(2) == 0}}, "exists"
		case 7: // wildcard
			return pick(r, []string{"userIdentity.arn", "sourceIPAddress"}), []any{map[string]any{"wildcard": pick(r, []string{
				"arn:aws:sts::*:assumed-role/" + pick(r, roles) + "/*", "arn:aws:iam::*:user/" + pick(r, users), fmt.Sprintf("%d.*", 1+r.IntN(223))})}}, "wildcard"
		case 8: // exact on other fields
			f := pick(r, []string{"awsRegion", "userIdentity.type", "errorCode", "userIdentity.userName", "readOnly"})
			var v any = pick(r, regions)
			switch f {
			case "userIdentity.type":
				v = pick(r, identities)
			case "errorCode":
				v = pick(r, errorCodes)
			case "userIdentity.userName":
				v = pick(r, users)
			case "readOnly":
				v = r.IntN(2) == 0
			}
			return f, []any{v}, "exact"
		default: // cidr / equals-ignore-case
			if r.IntN(2) == 0 {
				return "sourceIPAddress", []any{map[string]any{"cidr": fmt.Sprintf("%d.%d.0.0/16", 1+r.IntN(223), r.IntN(256))}}, "cidr"
			}
			return "userIdentity.userName", []any{map[string]any{"equals-ignore-case": strings.ToUpper(pick(r, users))}}, "equals-ignore-case"
		}
	}
	set := func(m map[string]any, path string, v any) {
		parts := strings.Split(path, ".")
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = v
	}
	// Most patterns name the events they are about.
	switch k := r.IntN(20); {
	case k < 13:
		names := []string{pick(r, services[svc])}
		for r.IntN(3) == 0 {
			names = append(names, pick(r, services[svc]))
		}
		set(detail, "eventName", names)
		kinds = append(kinds, "exact")
	case k < 15:
		set(detail, "eventName", []any{map[string]any{"prefix": pick(r, []string{"Delete", "Create", "Put", "Update", "Stop"})}})
		kinds = append(kinds, "prefix")
	case k < 16:
		set(detail, "eventName", []any{map[string]any{"anything-but": map[string]any{"prefix": pick(r, []string{"Describe", "Get", "List"})}}})
		kinds = append(kinds, "anything-but")
	}
	for n := r.IntN(3); n > 0; n-- {
		f, v, k := cond()
		set(detail, f, v)
		kinds = append(kinds, k)
	}
	if r.IntN(10) == 0 { // $or of two conditions
		f1, v1, k1 := cond()
		f2, v2, k2 := cond()
		b1, b2 := map[string]any{}, map[string]any{}
		set(b1, f1, v1)
		set(b2, f2, v2)
		detail["$or"] = []any{b1, b2}
		kinds = append(kinds, "$or", k1, k2)
	}
	if len(detail) > 0 {
		top["detail"] = detail
	}
	b, err := json.Marshal(top)
	if err != nil {
		panic(err)
	}
	return string(b), kinds
}

type benchSet struct {
	events [][]byte
	bytes  int64
}

var benchEvents *benchSet

func events() *benchSet {
	if benchEvents == nil {
		r := rand.New(rand.NewPCG(1, 2))
		s := &benchSet{}
		for i := 0; i < 4096; i++ {
			ev := genEvent(r)
			s.events = append(s.events, ev)
			s.bytes += int64(len(ev))
		}
		benchEvents = s
	}
	return benchEvents
}

func randomPatterns(n int) ([]string, map[string]int) {
	r := rand.New(rand.NewPCG(3, uint64(n)))
	var out []string
	mix := map[string]int{}
	for len(out) < n {
		p, kinds := genPattern(r)
		if _, err := pattern.Compile([]byte(p)); err != nil {
			panic(fmt.Sprintf("generated pattern %s: %v", p, err))
		}
		out = append(out, p)
		for _, k := range kinds {
			mix[k]++
		}
	}
	return out, mix
}

func newBenchMatcher(b testing.TB, extra int) *pattern.Matcher {
	m := pattern.NewMatcher()
	for _, r := range rules.All() {
		p, err := pattern.Compile([]byte(r.Pattern))
		if err != nil {
			b.Fatalf("rule %s: %v", r.ID, err)
		}
		m.Add(r.ID, p)
	}
	ps, _ := randomPatterns(extra)
	for i, src := range ps {
		m.Add(fmt.Sprintf("user-%d", i), pattern.MustCompile(src))
	}
	return m
}

func BenchmarkMatcher(b *testing.B) {
	set := events()
	avg := set.bytes / int64(len(set.events))
	for _, extra := range []int{0, 1000, 10000} {
		name := "rules"
		if extra > 0 {
			name = fmt.Sprintf("rules+%d", extra)
		}
		m := newBenchMatcher(b, extra)
		if extra > 0 {
			_, mix := randomPatterns(extra)
			b.Logf("%d random patterns; conditions by kind: %v", extra, mix)
		}
		if _, err := m.Match(set.events[0]); err != nil { // build the indexes
			b.Fatal(err)
		}
		b.Run(name+"/serial", func(b *testing.B) {
			b.SetBytes(avg)
			b.ReportAllocs()
			var dst []string
			var err error
			i := 0
			cpu0 := cpuSeconds()
			for b.Loop() {
				dst, err = m.AppendMatches(dst[:0], set.events[i&4095])
				if err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "events/s")
			if cpu := cpuSeconds() - cpu0; cpu > 0 {
				b.ReportMetric(float64(i)/cpu, "events/cpu-s")
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.SetBytes(avg)
			b.ReportAllocs()
			var seq atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				var dst []string
				var err error
				i := int(seq.Add(1)) * 997
				for pb.Next() {
					dst, err = m.AppendMatches(dst[:0], set.events[i&4095])
					if err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// TestBenchGenerator checks the generator's promises: sizes, root share,
// and that the matcher finds the root events with the rule pack.
func TestBenchGenerator(t *testing.T) {
	set := events()
	m := newBenchMatcher(t, 0)
	root, rootMatched := 0, 0
	for _, ev := range set.events {
		if len(ev) < 1000 || len(ev) > 3200 {
			t.Errorf("event of %d bytes", len(ev))
		}
		isRoot := strings.Contains(string(ev), `"type":"Root"`)
		ids, err := m.Match(ev)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case isRoot:
			root++
			if len(ids) > 0 {
				rootMatched++
			}
		case len(ids) > 0 && !strings.Contains(string(ev), `"eventName":"AssumeRoot"`) && !onlyChainRules(ids):
			t.Errorf("non-root event matched %v: %s", ids, ev)
		}
	}
	if root == 0 || root > 20 {
		t.Errorf("%d root events in %d", root, len(set.events))
	}
	if rootMatched == 0 {
		t.Errorf("no root event matched the pack")
	}
	t.Logf("%d events, %d bytes on average, %d root (%d matched)", len(set.events), set.bytes/int64(len(set.events)), root, rootMatched)
}

// BenchmarkBaseline measures encoding/json over the same events, as a yard
// stick for the figures above on whatever machine runs them: validating an
// event, and decoding it into a map as a naive matcher would.
func BenchmarkBaseline(b *testing.B) {
	set := events()
	avg := set.bytes / int64(len(set.events))
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(avg)
		i := 0
		for b.Loop() {
			if !json.Valid(set.events[i&4095]) {
				b.Fatal("invalid event")
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(avg)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(set.events[i&4095], &m); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "events/s")
	})
}

// onlyChainRules reports whether every ID is a rule of the pack that watches
// rootwatch's own chain (changes by anyone), not root activity.
func onlyChainRules(ids []string) bool {
	for _, id := range ids {
		if r, ok := rules.Get(id); !ok || r.Scope != rules.ScopeChain {
			return false
		}
	}
	return true
}
