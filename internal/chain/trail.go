package chain

import (
	"fmt"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// FitTrail looks for a trail that lets EventBridge see root activity in every
// region: logging, multi-region, with global service events and management
// events (All or WriteOnly). It returns that trail, or nil and what is missing
// of each. Deploy's pre-flight and status's trail check both decide by it.
func FitTrail(trails []cloud.Trail) (*cloud.Trail, []string) {
	if len(trails) == 0 {
		return nil, []string{"the account has no CloudTrail trail"}
	}
	var problems []string
	for i, t := range trails {
		missing := TrailProblems(t)
		if len(missing) == 0 {
			return &trails[i], nil
		}
		problems = append(problems, fmt.Sprintf("trail %s %s", t.Name, strings.Join(missing, ", ")))
	}
	return nil, problems
}

// TrailProblems lists, in words, what keeps t from letting EventBridge see
// root activity everywhere; none means the trail is fit.
func TrailProblems(t cloud.Trail) []string {
	var missing []string
	if !t.Logging {
		missing = append(missing, "is not logging")
	}
	if !t.MultiRegion {
		missing = append(missing, "is not multi-region")
	}
	if !t.GlobalEvents {
		missing = append(missing, "does not include global service events")
	}
	if t.Management != cloud.ManagementAll && t.Management != cloud.ManagementWriteOnly {
		m := string(t.Management)
		if m == "" {
			m = "none"
		}
		missing = append(missing, "records management events "+m+" (needs All or WriteOnly)")
	}
	return missing
}

// JudgeTrails judges the account's trails (as listed in the home region).
func JudgeTrails(trails []cloud.Trail) Verdict {
	fit, problems := FitTrail(trails)
	if fit != nil {
		return ok(fmt.Sprintf("trail %s: logging, multi-region, global service events, management events %s", fit.Name, fit.Management))
	}
	if len(trails) == 0 {
		return fail("no CloudTrail trail: EventBridge receives no CloudTrail events, so root sign-ins and API calls raise no alert",
			"run 'rootwatch deploy --create-trail' to create a multi-region trail")
	}
	closest := trails[0]
	for _, t := range trails[1:] {
		if len(TrailProblems(t)) < len(TrailProblems(closest)) {
			closest = t
		}
	}
	return fail("no trail is fit, so root activity raises no alert: "+strings.Join(problems, "; "),
		trailFix(closest)+", or run 'rootwatch deploy --create-trail'")
}

// trailFix is the AWS CLI that repairs t.
func trailFix(t cloud.Trail) string {
	var fixes []string
	if !t.MultiRegion || !t.GlobalEvents {
		fixes = append(fixes, fmt.Sprintf("aws cloudtrail update-trail --name %s --is-multi-region-trail --include-global-service-events", t.Name))
	}
	if t.Management != cloud.ManagementAll && t.Management != cloud.ManagementWriteOnly {
		fixes = append(fixes, fmt.Sprintf(`aws cloudtrail put-event-selectors --trail-name %s --event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'`, t.Name))
	}
	if !t.Logging {
		fixes = append(fixes, fmt.Sprintf("aws cloudtrail start-logging --name %s", t.Name))
	}
	return strings.Join(fixes, "; ")
}
