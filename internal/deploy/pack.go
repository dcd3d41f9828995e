package deploy

// alertRule is one rule of the rule pack as deploy uses it.
type alertRule struct {
	ID, Title string
	Pattern   string // deployed byte for byte
	Paths     map[string]string
	Template  string
}

// The rule pack is read through these two functions only, so that deploy, status
// and the local pattern engine use the same bytes.
//
// Stand-in until internal/rules lands: the sign-in pattern and the root API call
// pattern the issue names.
func rulePack() []alertRule {
	paths := map[string]string{
		"account": "$.account", "time": "$.time", "region": "$.region",
		"ip": "$.detail.sourceIPAddress", "agent": "$.detail.userAgent",
		"event": "$.detail.eventName", "source": "$.detail.eventSource",
	}
	signin := map[string]string{"result": "$.detail.responseElements.ConsoleLogin", "mfa": "$.detail.additionalEventData.MFAUsed"}
	for k, v := range paths {
		signin[k] = v
	}
	return []alertRule{
		{
			ID:       "root-signin",
			Title:    "Root user console sign-in",
			Pattern:  `{"detail-type":["AWS Console Sign In via CloudTrail"],"detail":{"userIdentity":{"type":["Root"]}}}`,
			Paths:    signin,
			Template: `"Root user signed in to AWS account <account> at <time> from <ip>: result <result>, MFA <mfa> (region <region>, user agent <agent>)"`,
		},
		{
			ID:       "root-api-call",
			Title:    "Root user API call",
			Pattern:  `{"detail-type":["AWS API Call via CloudTrail"],"detail":{"userIdentity":{"type":["Root"],"invokedBy":[{"exists":false}]},"eventType":[{"anything-but":"AwsServiceEvent"}]}}`,
			Paths:    paths,
			Template: `"Root user called <source> <event> in AWS account <account> at <time> from <ip> (region <region>, user agent <agent>)"`,
		},
	}
}

// forwardPattern is the pattern of every region's forwarding rule.
func forwardPattern() string {
	return `{"detail":{"userIdentity":{"type":["Root"]}}}`
}
