// Package ctgen generates realistic CloudTrail log records and archives, from a
// seed, for scan's tests and benchmarks.
//
// Background records come from many services and principals (IAM users,
// assumed roles, AWS services), 1–3 KB each. Root activity is injected on
// purpose, each injected event labelled with the rule ID the rule pack must
// report for it, and so are look-alikes that must not be reported: an IAM user
// named "root", a role named "Root-Admin", "Root" inside request parameters, a
// root call invoked by an AWS service, and an AwsServiceEvent carrying a root
// identity.
//
// Everything is a pure function of the seed: the same Config writes the same
// archive, byte for byte, whatever the parallelism.
package ctgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Kinds of injected root activity: the rule pack's IDs.
const (
	ConsoleSignInNoMFA = "root-console-signin-no-mfa"
	ConsoleSignInMFA   = "root-console-signin-mfa"
	ConsoleSignInFail  = "root-console-signin-failure"
	PasswordRecovery   = "root-password-recovery"
	PasswordUpdated    = "root-password-updated"
	EmailUpdated       = "root-email-updated"
	CreateAccessKey    = "root-create-access-key"
	CreateLoginProfile = "root-create-login-profile"
	MFAChange          = "root-mfa-change"
	CloseAccount       = "root-close-account"
	PrivilegedSession  = "root-privileged-session"
	AssumeRoot         = "root-assume-root"
	AccessDenied       = "root-access-denied"
	APICall            = "root-api-call"
	SessionToken       = "root-session-token"
	FederatedSession   = "root-federated-session"
)

// Kinds lists every kind of root activity the generator injects.
var Kinds = []string{
	ConsoleSignInNoMFA, ConsoleSignInMFA, ConsoleSignInFail, PasswordRecovery,
	PasswordUpdated, EmailUpdated, CreateAccessKey, CreateLoginProfile, MFAChange,
	CloseAccount, PrivilegedSession, AssumeRoot, AccessDenied, APICall,
	SessionToken, FederatedSession,
}

// Look-alikes: events that mention root but are not root activity.
const (
	IAMUserNamedRoot      = "iam-user-named-root"
	RoleRootAdmin         = "role-root-admin"
	RootInRequestParams   = "root-in-request-parameters"
	RootInvokedByService  = "root-invoked-by-service"
	ServiceEventByRoot    = "service-event-by-root"
	IAMUserRootSignIn     = "iam-user-named-root-sign-in"
	RootAssumeRoleSession = "role-session-named-root"
	UserFederatedSession  = "federated-session-issued-by-iam-user"
)

// LookAlikes lists every look-alike the generator injects.
var LookAlikes = []string{
	IAMUserNamedRoot, RoleRootAdmin, RootInRequestParams, RootInvokedByService,
	ServiceEventByRoot, IAMUserRootSignIn, RootAssumeRoleSession, UserFederatedSession,
}

// Label says what an injected record is.
type Label struct {
	EventID string
	// Kind is the rule ID the scan must report, "" for a look-alike.
	Kind string
	// LookAlike names the look-alike, "" for root activity.
	LookAlike string
	Time      time.Time
	Account   string
	Region    string // the region of the file it is in
}

// Generator makes records. It is not safe for concurrent use; make one per
// goroutine with its own seed.
type Generator struct {
	rng *rand.Rand
	b   []byte
}

// New returns a generator seeded with seed and stream.
func New(seed, stream uint64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, stream))}
}

// Background returns a record of ordinary, non-root activity. The slice is
// reused by the next call.
func (g *Generator) Background(t time.Time, account, region string) []byte {
	w := g.begin(t, account, region)
	r := g.rng
	svc := services[r.IntN(len(services))]
	name := svc.events[r.IntN(len(svc.events))]
	var err string
	if r.IntN(40) == 0 {
		err = []string{"AccessDenied", "ThrottlingException", "Client.UnauthorizedOperation", "NoSuchEntity"}[r.IntN(4)]
	}
	switch r.IntN(10) {
	case 0, 1, 2, 3:
		g.iamUser(w, account, users[r.IntN(len(users))], r.IntN(2) == 0)
	case 4, 5, 6, 7:
		g.assumedRole(w, account, roles[r.IntN(len(roles))], "session-"+strconv.Itoa(r.IntN(1000)))
	default:
		g.awsService(w, svc.host)
		err = ""
	}
	g.body(w, t, svc.host, name, region, "AwsApiCall", err)
	return g.end(w, account)
}

// Root returns a record of the given kind of root activity (one of Kinds) and
// its event ID.
func (g *Generator) Root(kind string, t time.Time, account, region string) []byte {
	w := g.begin(t, account, region)
	r := g.rng
	switch kind {
	case ConsoleSignInNoMFA, ConsoleSignInMFA, ConsoleSignInFail:
		g.root(w, account, "", false)
		mfa, result := "No", "Success"
		if kind == ConsoleSignInMFA {
			mfa = "Yes"
		}
		if kind == ConsoleSignInFail {
			result = "Failure"
		}
		g.signIn(w, t, "ConsoleLogin", result, mfa)
	case PasswordRecovery, PasswordUpdated, EmailUpdated:
		name := map[string]string{PasswordRecovery: []string{"PasswordRecoveryRequested", "PasswordRecoveryCompleted"}[r.IntN(2)], PasswordUpdated: "PasswordUpdated", EmailUpdated: "EmailUpdated"}[kind]
		g.root(w, account, "", false)
		g.signIn(w, t, name, "Success", "")
	case CreateAccessKey, CreateLoginProfile, MFAChange:
		name := map[string]string{CreateAccessKey: "CreateAccessKey", CreateLoginProfile: "CreateLoginProfile",
			MFAChange: []string{"EnableMFADevice", "DeactivateMFADevice", "CreateVirtualMFADevice", "DeleteVirtualMFADevice", "ResyncMFADevice"}[r.IntN(5)]}[kind]
		g.root(w, account, "", true)
		g.body(w, t, "iam.amazonaws.com", name, "us-east-1", "AwsApiCall", "")
	case CloseAccount:
		g.root(w, account, "", true)
		g.body(w, t, "account.amazonaws.com", "CloseAccount", "us-east-1", "AwsApiCall", "")
	case PrivilegedSession:
		g.rootSession(w, account)
		g.body(w, t, "iam.amazonaws.com", []string{"DeleteLoginProfile", "DeactivateMFADevice", "ListAccessKeys"}[r.IntN(3)], "us-east-1", "AwsApiCall", "")
	case AssumeRoot:
		g.assumedRole(w, account, "OrganizationAdmin", "admin-"+strconv.Itoa(r.IntN(100)))
		g.body(w, t, "sts.amazonaws.com", "AssumeRoot", "us-east-1", "AwsApiCall", "")
	case AccessDenied:
		g.root(w, account, "", r.IntN(2) == 0)
		svc := services[r.IntN(len(services))]
		g.body(w, t, svc.host, svc.events[r.IntN(len(svc.events))], region, "AwsApiCall", []string{"AccessDenied", "AccessDeniedException"}[r.IntN(2)])
	case APICall:
		g.root(w, account, "", r.IntN(2) == 0)
		svc := services[r.IntN(len(services))]
		g.body(w, t, svc.host, svc.events[r.IntN(len(svc.events))], region, "AwsApiCall", "")
	case SessionToken:
		g.root(w, account, "", false)
		g.body(w, t, "sts.amazonaws.com", []string{"GetSessionToken", "GetFederationToken"}[r.IntN(2)], region, "AwsApiCall", "")
	case FederatedSession:
		g.federated(w, account, "Root")
		svc := services[r.IntN(len(services))]
		g.body(w, t, svc.host, svc.events[r.IntN(len(svc.events))], region, "AwsApiCall", "")
	default:
		panic("ctgen: unknown kind " + kind)
	}
	return g.end(w, account)
}

// LookAlike returns a record of the given look-alike (one of LookAlikes).
func (g *Generator) LookAlike(name string, t time.Time, account, region string) []byte {
	w := g.begin(t, account, region)
	r := g.rng
	switch name {
	case IAMUserNamedRoot:
		g.iamUser(w, account, "root", true)
		g.body(w, t, "iam.amazonaws.com", []string{"CreateAccessKey", "ListUsers", "EnableMFADevice"}[r.IntN(3)], "us-east-1", "AwsApiCall", "")
	case IAMUserRootSignIn:
		g.iamUser(w, account, "root", false)
		g.signIn(w, t, "ConsoleLogin", "Success", "No")
	case RoleRootAdmin:
		g.assumedRole(w, account, "Root-Admin", "alice")
		g.body(w, t, "ec2.amazonaws.com", "RunInstances", region, "AwsApiCall", "")
	case RootAssumeRoleSession:
		g.assumedRole(w, account, "Admin", "Root")
		g.body(w, t, "s3.amazonaws.com", "PutBucketPolicy", region, "AwsApiCall", "")
	case RootInRequestParams:
		g.iamUser(w, account, "alice", true)
		g.body(w, t, "iam.amazonaws.com", "CreateRole", "us-east-1", "AwsApiCall", "")
		w.b = w.b[:len(w.b)-1] // reopen to add members
		w.b = append(w.b, `,"requestParameters":{"roleName":"Root","description":"type Root, arn:aws:iam::`...)
		w.b = append(w.b, account...)
		w.b = append(w.b, `:root","userIdentity":{"type":"Root"}}`...)
		w.b = append(w.b, '}')
	case RootInvokedByService:
		g.root(w, account, "cloudformation.amazonaws.com", false)
		g.body(w, t, "s3.amazonaws.com", "CreateBucket", region, "AwsApiCall", "")
	case ServiceEventByRoot:
		g.root(w, account, "", false)
		g.body(w, t, "signin.amazonaws.com", "CredentialVerification", "us-east-1", "AwsServiceEvent", "")
	case UserFederatedSession:
		g.federated(w, account, "IAMUser")
		g.body(w, t, "s3.amazonaws.com", "PutBucketPolicy", region, "AwsApiCall", "")
	default:
		panic("ctgen: unknown look-alike " + name)
	}
	return g.end(w, account)
}

// writer builds one record. Records are written field by field so that the
// generator is fast enough to make gigabyte archives.
type writer struct {
	b         []byte
	id        string
	byService bool // an AWS service is the caller: its name is the source IP
}

func (g *Generator) begin(t time.Time, account, region string) *writer {
	w := &writer{b: g.b[:0]}
	w.id = g.uuid()
	w.b = append(w.b, `{"eventVersion":"1.0`...)
	w.b = append(w.b, "89"[g.rng.IntN(2)])
	w.b = append(w.b, '"')
	return w
}

// end closes the record.
func (g *Generator) end(w *writer, account string) []byte {
	w.b = append(w.b, `,"eventID":"`...)
	w.b = append(w.b, w.id...)
	w.b = append(w.b, `","readOnly":false,"managementEvent":true,"recipientAccountId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","eventCategory":"Management"}`...)
	g.b = w.b
	return w.b
}

// EventID returns the eventID of the record b the generator just made.
func EventID(b []byte) string {
	const key = `"eventID":"`
	for i := len(b) - len(key) - 36; i >= 0; i-- {
		if string(b[i:i+len(key)]) == key {
			return string(b[i+len(key) : i+len(key)+36])
		}
	}
	return ""
}

func (g *Generator) root(w *writer, account, invokedBy string, mfa bool) {
	w.b = append(w.b, `,"userIdentity":{"type":"Root","principalId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","arn":"arn:aws:iam::`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `:root","accountId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","accessKeyId":"ASIA`...)
	w.b = g.alnum(w.b, 16)
	w.b = append(w.b, `","sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":"2024-01-01T00:00:00Z","mfaAuthenticated":"`...)
	w.b = strconv.AppendBool(w.b, mfa)
	w.b = append(w.b, `"}}`...)
	if invokedBy != "" {
		w.b = append(w.b, `,"invokedBy":"`...)
		w.b = append(w.b, invokedBy...)
		w.b = append(w.b, '"')
	}
	w.b = append(w.b, '}')
}

func (g *Generator) rootSession(w *writer, account string) {
	w.b = append(w.b, `,"userIdentity":{"type":"Root","principalId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","arn":"arn:aws:iam::`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `:root","accountId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","accessKeyId":"ASIA`...)
	w.b = g.alnum(w.b, 16)
	w.b = append(w.b, `","sessionContext":{"attributes":{"creationDate":"2024-01-01T00:00:00Z","mfaAuthenticated":"false"},"assumedRoot":"true"}}`...)
}

// federated writes the identity of a federated user (GetFederationToken)
// whose credentials an identity of issuerType ("Root" or "IAMUser") issued.
func (g *Generator) federated(w *writer, account, issuerType string) {
	w.b = append(w.b, `,"userIdentity":{"type":"FederatedUser","principalId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `:vendor","arn":"arn:aws:sts::`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `:federated-user/vendor","accountId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","accessKeyId":"ASIA`...)
	w.b = g.alnum(w.b, 16)
	w.b = append(w.b, `","sessionContext":{"sessionIssuer":{"type":"`...)
	w.b = append(w.b, issuerType...)
	w.b = append(w.b, `","principalId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","arn":"arn:aws:iam::`...)
	w.b = append(w.b, account...)
	if issuerType == "Root" {
		w.b = append(w.b, `:root","accountId":"`...)
	} else {
		w.b = append(w.b, `:user/ops","accountId":"`...)
	}
	w.b = append(w.b, account...)
	w.b = append(w.b, `"},"webIdFederationData":{},"attributes":{"creationDate":"2024-01-01T00:00:00Z","mfaAuthenticated":"false"}}}`...)
}

func (g *Generator) iamUser(w *writer, account, name string, console bool) {
	w.b = append(w.b, `,"userIdentity":{"type":"IAMUser","principalId":"AIDA`...)
	w.b = g.alnum(w.b, 17)
	w.b = append(w.b, `","arn":"arn:aws:iam::`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `:user/`...)
	w.b = append(w.b, name...)
	w.b = append(w.b, `","accountId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","accessKeyId":"AKIA`...)
	w.b = g.alnum(w.b, 16)
	w.b = append(w.b, `","userName":"`...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '"')
	if console {
		w.b = append(w.b, `,"sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":"2024-01-01T00:00:00Z","mfaAuthenticated":"true"}}`...)
	}
	w.b = append(w.b, '}')
}

func (g *Generator) assumedRole(w *writer, account, role, session string) {
	id := g.alnum(nil, 17)
	w.b = append(w.b, `,"userIdentity":{"type":"AssumedRole","principalId":"AROA`...)
	w.b = append(w.b, id...)
	w.b = append(w.b, ':')
	w.b = append(w.b, session...)
	w.b = append(w.b, `","arn":"arn:aws:sts::`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `:assumed-role/`...)
	w.b = append(w.b, role...)
	w.b = append(w.b, '/')
	w.b = append(w.b, session...)
	w.b = append(w.b, `","accountId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","accessKeyId":"ASIA`...)
	w.b = g.alnum(w.b, 16)
	w.b = append(w.b, `","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA`...)
	w.b = append(w.b, id...)
	w.b = append(w.b, `","arn":"arn:aws:iam::`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `:role/`...)
	w.b = append(w.b, role...)
	w.b = append(w.b, `","accountId":"`...)
	w.b = append(w.b, account...)
	w.b = append(w.b, `","userName":"`...)
	w.b = append(w.b, role...)
	w.b = append(w.b, `"},"webIdFederationData":{},"attributes":{"creationDate":"2024-01-01T00:00:00Z","mfaAuthenticated":"false"}}}`...)
}

func (g *Generator) awsService(w *writer, host string) {
	w.byService = true
	w.b = append(w.b, `,"userIdentity":{"type":"AWSService","invokedBy":"`...)
	w.b = append(w.b, host...)
	w.b = append(w.b, `"}`...)
}

// signIn writes the rest of a console sign-in event.
func (g *Generator) signIn(w *writer, t time.Time, name, result, mfa string) {
	g.common(w, t, "signin.amazonaws.com", name, "us-east-1", "AwsConsoleSignIn")
	w.b = append(w.b, `,"requestParameters":null,"responseElements":{"`...)
	w.b = append(w.b, name...)
	w.b = append(w.b, `":"`...)
	w.b = append(w.b, result...)
	w.b = append(w.b, `"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true","MobileVersion":"No"`...)
	if mfa != "" {
		w.b = append(w.b, `,"MFAUsed":"`...)
		w.b = append(w.b, mfa...)
		w.b = append(w.b, '"')
		if mfa == "Yes" {
			w.b = append(w.b, `,"MFAIdentifier":"arn:aws:iam::123456789012:mfa/root-account-mfa-device"`...)
		}
	}
	w.b = append(w.b, '}')
	if result == "Failure" {
		w.b = append(w.b, `,"errorMessage":"Failed authentication"`...)
	}
}

func (g *Generator) common(w *writer, t time.Time, host, name, region, eventType string) {
	w.b = append(w.b, `,"eventTime":"`...)
	w.b = t.UTC().AppendFormat(w.b, "2006-01-02T15:04:05Z")
	w.b = append(w.b, `","eventSource":"`...)
	w.b = append(w.b, host...)
	w.b = append(w.b, `","eventName":"`...)
	w.b = append(w.b, name...)
	w.b = append(w.b, `","awsRegion":"`...)
	w.b = append(w.b, region...)
	w.b = append(w.b, `","sourceIPAddress":"`...)
	r := g.rng
	if eventType == "AwsServiceEvent" || w.byService {
		w.b = append(w.b, host...)
	} else {
		w.b = strconv.AppendInt(w.b, int64(1+r.IntN(223)), 10)
		for range 3 {
			w.b = append(w.b, '.')
			w.b = strconv.AppendInt(w.b, int64(r.IntN(256)), 10)
		}
	}
	w.b = append(w.b, `","userAgent":"`...)
	w.b = append(w.b, agents[r.IntN(len(agents))]...)
	w.b = append(w.b, `","eventType":"`...)
	w.b = append(w.b, eventType...)
	w.b = append(w.b, `","requestID":"`...)
	w.b = append(w.b, g.uuid()...)
	w.b = append(w.b, '"')
}

// body writes the rest of an API call: request parameters padded so that the
// record is 1–3 KB, response elements, TLS details.
func (g *Generator) body(w *writer, t time.Time, host, name, region, eventType, errorCode string) {
	g.common(w, t, host, name, region, eventType)
	r := g.rng
	if errorCode != "" {
		w.b = append(w.b, `,"errorCode":"`...)
		w.b = append(w.b, errorCode...)
		w.b = append(w.b, `","errorMessage":"User is not authorized to perform this operation"`...)
	}
	target := 900 + r.IntN(1800)
	w.b = append(w.b, `,"requestParameters":{`...)
	for i := 0; len(w.b) < target; i++ {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, '"')
		w.b = append(w.b, paramKeys[r.IntN(len(paramKeys))]...)
		w.b = strconv.AppendInt(w.b, int64(i), 10)
		w.b = append(w.b, `":`...)
		switch r.IntN(4) {
		case 0:
			w.b = strconv.AppendInt(w.b, int64(r.IntN(100000)), 10)
		case 1:
			w.b = append(w.b, `{"items":[{"key":"Name","value":"`...)
			w.b = g.alnum(w.b, 12)
			w.b = append(w.b, `"},{"key":"env","value":"prod"}],"enabled":true}`...)
		default:
			w.b = append(w.b, `"arn:aws:`...)
			w.b = append(w.b, host[:len(host)-len(".amazonaws.com")]...)
			w.b = append(w.b, ':')
			w.b = append(w.b, region...)
			w.b = append(w.b, `:123456789012:resource/`...)
			w.b = g.alnum(w.b, 10+r.IntN(30))
			w.b = append(w.b, '"')
		}
	}
	w.b = append(w.b, '}')
	if r.IntN(2) == 0 || errorCode != "" {
		w.b = append(w.b, `,"responseElements":null`...)
	} else {
		w.b = append(w.b, `,"responseElements":{"requestId":"`...)
		w.b = append(w.b, g.uuid()...)
		w.b = append(w.b, `","status":"OK"}`...)
	}
	w.b = append(w.b, `,"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"`...)
	w.b = append(w.b, host...)
	w.b = append(w.b, `"}`...)
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (g *Generator) alnum(b []byte, n int) []byte {
	for range n {
		b = append(b, alphabet[g.rng.IntN(len(alphabet))])
	}
	return b
}

func (g *Generator) uuid() string {
	hi, lo := g.rng.Uint64(), g.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xfff, lo>>48&0xfff, lo&0xffffffffffff)
}

type service struct {
	host   string
	events []string
}

var services = []service{
	{"s3.amazonaws.com", []string{"GetObject", "PutObject", "ListBuckets", "GetBucketAcl", "GetBucketPolicy", "PutBucketPolicy", "HeadBucket"}},
	{"ec2.amazonaws.com", []string{"DescribeInstances", "RunInstances", "TerminateInstances", "DescribeSecurityGroups", "AuthorizeSecurityGroupIngress", "DescribeVolumes"}},
	{"iam.amazonaws.com", []string{"ListUsers", "GetUser", "ListRoles", "GetRole", "CreateRole", "AttachRolePolicy", "ListAccessKeys", "GetAccountSummary"}},
	{"sts.amazonaws.com", []string{"AssumeRole", "GetCallerIdentity", "AssumeRoleWithWebIdentity"}},
	{"lambda.amazonaws.com", []string{"ListFunctions20150331", "GetFunction20150331v2", "Invoke", "UpdateFunctionCode20150331v2"}},
	{"kms.amazonaws.com", []string{"Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey", "ListAliases"}},
	{"cloudtrail.amazonaws.com", []string{"DescribeTrails", "GetTrailStatus", "LookupEvents", "GetEventSelectors"}},
	{"logs.amazonaws.com", []string{"CreateLogStream", "DescribeLogGroups", "PutRetentionPolicy", "FilterLogEvents"}},
	{"dynamodb.amazonaws.com", []string{"DescribeTable", "ListTables", "CreateTable", "UpdateTimeToLive"}},
	{"rds.amazonaws.com", []string{"DescribeDBInstances", "DescribeDBClusters", "CreateDBSnapshot"}},
	{"secretsmanager.amazonaws.com", []string{"GetSecretValue", "ListSecrets", "DescribeSecret", "RotateSecret"}},
	{"ssm.amazonaws.com", []string{"GetParameter", "GetParameters", "DescribeInstanceInformation", "UpdateInstanceInformation"}},
	{"events.amazonaws.com", []string{"PutRule", "PutTargets", "ListRules", "DescribeRule"}},
	{"sns.amazonaws.com", []string{"Publish", "ListTopics", "GetTopicAttributes", "Subscribe"}},
	{"organizations.amazonaws.com", []string{"DescribeOrganization", "ListAccounts", "ListRoots", "ListPoliciesForTarget"}},
	{"config.amazonaws.com", []string{"PutEvaluations", "DescribeConfigRules", "GetComplianceDetailsByConfigRule"}},
	{"ecr.amazonaws.com", []string{"GetAuthorizationToken", "BatchGetImage", "DescribeRepositories"}},
	{"elasticloadbalancing.amazonaws.com", []string{"DescribeLoadBalancers", "DescribeTargetHealth", "RegisterTargets"}},
}

var users = []string{"alice", "bob", "carol", "deploy-bot", "terraform", "backup", "ci", "dave", "eve-admin", "rooted-reader"}
var roles = []string{"AWSServiceRoleForConfig", "OrganizationAccountAccessRole", "ReadOnly", "Admin", "lambda-exec", "github-actions-deploy", "AWSReservedSSO_AdministratorAccess_0123456789abcdef"}

var agents = []string{
	"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2023 prompt/off command/s3.ls",
	"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.171.0",
	"Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"console.amazonaws.com",
	"AWS Internal",
	"Terraform/1.9.2 (+https://www.terraform.io) terraform-provider-aws/5.59.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.3",
}

var paramKeys = []string{"bucketName", "key", "instanceId", "roleName", "policyArn", "maxResults", "filterSet", "tagSpecificationSet", "functionName", "keyId", "encryptionContext", "logGroupName", "tableName", "secretId", "name", "resourceArn"}
