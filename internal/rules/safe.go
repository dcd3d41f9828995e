package rules

// SafeField is an event field whose text AWS sets, in a shape that cannot
// break a message: no quotes, backslashes or control characters, nothing an
// actor chooses freely. Alert messages carry only these fields.
//
// EventBridge's input transformer inserts values into a string template
// unescaped, so one double quote in a value would break the message on its
// way to the topic and divert the alert to the dead-letter queue. A user
// agent, an IAM path in an ARN, or a requestParameters field of a failed call
// can all hold one, and the actor the alert is about chooses them.
type SafeField struct {
	Path  string // JSON path as in an InputPathsMap, e.g. "$.detail.eventName"
	What  string // what it holds
	Shape string // a regular expression for every value AWS gives it
	// Worst are values of that shape with every kind of character the
	// shape allows, at its longest: what a test renders to prove a
	// template survives any value.
	Worst []string
}

var safeFields = []SafeField{
	{"$.id", "EventBridge event ID", `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
		[]string{"36eb8523-97d0-4518-b33d-ee3579ff19f0"}},
	{"$.account", "AWS account ID", `^[0-9]{12}$`, []string{"000000000000", "999999999999"}},
	{"$.time", "event time (UTC)", `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`,
		[]string{"2026-12-31T23:59:59Z"}},
	{"$.region", "AWS region", `^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`, []string{"us-gov-west-1", "ap-southeast-5"}},
	{"$.detail.eventName", "API action or console event name", `^[A-Za-z0-9_]{1,128}$`,
		[]string{"ConsoleLogin", "GetFederationToken", "Put_Object0123456789"}},
	{"$.detail.eventSource", "service endpoint host", `^[a-z0-9][a-z0-9.-]{0,127}$`,
		[]string{"signin.amazonaws.com", "access-analyzer.amazonaws.com"}},
	{"$.detail.eventID", "CloudTrail event ID", `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
		[]string{"24ba271e-d595-4e66-a7fd-9c16cbf8abae"}},
	{"$.detail.sourceIPAddress", "caller's IP address, a service's host name, or AWS Internal", `^([0-9a-fA-F.:]{2,45}|[a-z0-9.-]{1,128}|AWS Internal)$`,
		[]string{"203.0.113.7", "2001:db8:ffff:ffff:ffff:ffff:255.255.255.255", "cloudformation.amazonaws.com", "AWS Internal"}},
	{"$.detail.errorCode", "error code of a failed call", `^[A-Za-z0-9.:_-]{1,128}$`,
		[]string{"AccessDenied", "Client.UnauthorizedOperation", "Server.Internal_Error:503-x"}},
	{"$.detail.additionalEventData.MFAUsed", "whether a console sign-in used MFA", `^(Yes|No)$`, []string{"Yes", "No"}},
	{"$.detail.userIdentity.sessionContext.attributes.mfaAuthenticated", "whether the session was MFA-authenticated", `^(true|false)$`,
		[]string{"true", "false"}},
	{"$.detail.responseElements.ConsoleLogin", "console sign-in result", `^(Success|Failure)$`, []string{"Success", "Failure"}},
	{"$.detail.responseElements.EmailUpdated", "e-mail change result", `^(Success|Failure)$`, []string{"Success", "Failure"}},
	{"$.detail.responseElements.PasswordUpdated", "password change result", `^(Success|Failure)$`, []string{"Success", "Failure"}},
	{"$.detail.responseElements.PasswordRecoveryRequested", "password recovery request result", `^(Success|Failure)$`, []string{"Success", "Failure"}},
	{"$.detail.responseElements.PasswordRecoveryCompleted", "password recovery result", `^(Success|Failure)$`, []string{"Success", "Failure"}},
}

// SafeFields returns the allow-list of event fields an alert message may
// carry, with the shape AWS gives each. Renderers of other channels (chat,
// paging) should use it too.
func SafeFields() []SafeField {
	out := make([]SafeField, len(safeFields))
	for i, f := range safeFields {
		f.Worst = append([]string(nil), f.Worst...)
		out[i] = f
	}
	return out
}

// IsSafeField reports whether an InputPathsMap path is on the allow-list.
func IsSafeField(path string) bool {
	for _, f := range safeFields {
		if f.Path == path {
			return true
		}
	}
	return false
}
