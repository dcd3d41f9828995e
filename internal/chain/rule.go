package chain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/pattern"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// JudgeBusPolicy judges the home bus's resource policy: none is fine (the
// home account's forwarders need none); a Deny of events:PutEvents on the bus
// fails, or warns when conditions (not evaluated) may exclude rootwatch.
func JudgeBusPolicy(b cloud.Bus, roleName string) Verdict {
	if b.Policy == "" {
		return ok("no resource policy (forwarding within the account needs none)")
	}
	p, err := policy.Read(b.Policy)
	if err != nil {
		return fail(fmt.Sprintf("bus %s has a policy that is not valid JSON: %v", b.Name, err), "fix or remove the policy: aws events remove-permission --event-bus-name "+b.Name+" --remove-all-permissions")
	}
	if v, denied := judgeDenials(p, "events:PutEvents", b.ARN); denied {
		v.Fix = "remove or narrow that statement so the role " + roleName + " may put events on " + b.Name
		return v
	}
	return ok("policy does not deny the forwarding")
}

// judgeDenials is the verdict on the Deny statements of p that apply to
// action on resource: one without conditions fails; ones with conditions
// (not evaluated) warn. denied is false when none applies.
func judgeDenials(p policy.Document, action, resource string) (v Verdict, denied bool) {
	var conditional []string
	for _, d := range p.Denials(action, resource) {
		if !d.Conditional {
			return fail(fmt.Sprintf("statement %s denies %s: alerts are refused", d.Name, action), ""), true
		}
		conditional = append(conditional, d.Name)
	}
	if len(conditional) > 0 {
		return warn(fmt.Sprintf("statement %s denies %s under conditions status does not evaluate: make sure they exclude rootwatch", strings.Join(conditional, ", "), action), ""), true
	}
	return Verdict{}, false
}

// JudgeRuleState judges whether r is enabled the way deploy enables it (want).
// lost says what a disabled rule loses; readOnlyLost what a rule that misses
// read-only management events loses.
func JudgeRuleState(region string, r cloud.Rule, want cloud.RuleState, lost, readOnlyLost string) Verdict {
	fix := fmt.Sprintf("run 'rootwatch deploy' to enable it (or aws events enable-rule --name %s%s --region %s)", r.Name, busFlag(r.Bus), region)
	switch {
	case r.State == cloud.RuleDisabled:
		return fail(fmt.Sprintf("rule %s is DISABLED: %s", r.Name, lost), fix)
	case want == cloud.RuleEnabledAllManagement && r.State != cloud.RuleEnabledAllManagement:
		return warn(
			fmt.Sprintf("rule %s is %s, not %s: root's read-only API calls are missed (%s)", r.Name, r.State, cloud.RuleEnabledAllManagement, readOnlyLost),
			"run 'rootwatch deploy' to set the state "+string(cloud.RuleEnabledAllManagement))
	case r.State != cloud.RuleEnabled && r.State != cloud.RuleEnabledAllManagement:
		return fail(fmt.Sprintf("rule %s is in state %q: %s", r.Name, r.State, lost), fix)
	}
	return ok(fmt.Sprintf("rule %s is %s", r.Name, r.State))
}

func busFlag(bus string) string {
	if bus == "" || bus == cloud.DefaultBus {
		return ""
	}
	return " --event-bus-name " + bus
}

// JudgePattern judges whether r's pattern is the one deploy deploys: the same
// pattern (pattern.Same), so that one handed back re-spaced or with its keys
// re-ordered (a CloudFormation stack's, say) is not taken for a change.
func JudgePattern(r cloud.Rule, want string) Verdict {
	if pattern.Same(r.Pattern, want) {
		return ok(fmt.Sprintf("rule %s has the expected pattern", r.Name))
	}
	got, exp := compact(r.Pattern), compact(want)
	return fail(
		fmt.Sprintf("rule %s's pattern differs from the one rootwatch deploys (%s): events it should match may be missed", r.Name, firstDifference(got, exp)),
		"run 'rootwatch deploy' to put the expected pattern back")
}

// compact is s without the spaces between JSON tokens, so that a difference
// is shown where the meaning differs, not where the spacing does; s itself
// when it is not JSON.
func compact(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}

// firstDifference describes where got first differs from want.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	excerpt := func(s string) string {
		end := min(i+24, len(s))
		return fmt.Sprintf("%q", s[i:end])
	}
	return fmt.Sprintf("at byte %d: deployed %s, expected %s", i, excerpt(got), excerpt(want))
}

// JudgeTarget judges the targets of rule r against the one deploy gives it:
// destination, role, input transformer, dead-letter queue and retry policy.
// lost says what a missing or misdirected target loses.
func JudgeTarget(r RuleSpec, targets []cloud.Target, lost string) Verdict {
	want := r.Target
	got := findTarget(targets, want)
	if got == nil {
		return fail(fmt.Sprintf("rule %s has no target sending to %s: %s", r.Name, want.ARN, lost), Redeploy)
	}
	if got.ARN != want.ARN {
		return fail(fmt.Sprintf("target %s of rule %s sends to %s, not %s: %s", got.ID, r.Name, got.ARN, want.ARN, lost), Redeploy)
	}
	if want.RoleARN != "" && got.RoleARN != want.RoleARN {
		role := got.RoleARN
		if role == "" {
			role = "no role"
		}
		return fail(fmt.Sprintf("target %s of rule %s uses %s, not %s: EventBridge cannot deliver, %s", got.ID, r.Name, role, want.RoleARN, lost), Redeploy)
	}
	if got.ConstantInput != want.ConstantInput || got.InputPath != want.InputPath {
		return fail(fmt.Sprintf("target %s of rule %s sends %s instead of the event: %s", got.ID, r.Name, inputOverride(*got), lost),
			"run 'rootwatch deploy' to update the target (it sends the event again)")
	}
	var problems []string
	if !sameInput(got.Input, want.Input) {
		if got.Input == nil {
			problems = append(problems, "no input transformer: the raw event is sent instead of the readable message")
		} else {
			problems = append(problems, "the input transformer differs from the one rootwatch deploys")
		}
	}
	switch {
	case got.DeadLetterARN == "" && want.DeadLetterARN != "":
		problems = append(problems, "no dead-letter queue: an event that cannot be delivered is dropped without trace")
	case got.DeadLetterARN != want.DeadLetterARN:
		problems = append(problems, fmt.Sprintf("dead-letter queue is %s, not %s", got.DeadLetterARN, want.DeadLetterARN))
	}
	if got.MaxAttempts != want.MaxAttempts || got.MaxAge != want.MaxAge {
		problems = append(problems, fmt.Sprintf("retry policy is %s, not %s: an event may be given up on early", retry(*got), retry(want)))
	}
	if len(problems) > 0 {
		return warn(fmt.Sprintf("target %s of rule %s: %s", got.ID, r.Name, strings.Join(problems, "; ")), Redeploy)
	}
	detail := fmt.Sprintf("rule %s sends to %s", r.Name, got.ARN)
	if got.DeadLetterARN != "" {
		detail += " with a dead-letter queue"
	}
	return ok(detail)
}

// findTarget is the deployed target that stands for want: same ID, or else
// same destination.
func findTarget(targets []cloud.Target, want cloud.Target) *cloud.Target {
	for i := range targets {
		if targets[i].ID == want.ID || targets[i].ARN == want.ARN {
			return &targets[i]
		}
	}
	return nil
}

// retry renders a target's retry policy.
func retry(t cloud.Target) string {
	if t.MaxAttempts == 0 && t.MaxAge == 0 {
		return "the default"
	}
	return fmt.Sprintf("%d attempts over %s", t.MaxAttempts, t.MaxAge)
}

func sameInput(a, b *cloud.InputTransformer) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Template == b.Template && maps.Equal(a.Paths, b.Paths)
}

// SameTarget reports whether a deployed target is the one wanted.
func SameTarget(got, want cloud.Target) bool { return len(TargetDiffs(got, want)) == 0 }

// TargetDiffs names what differs between a deployed target and the one wanted
// (as a plan shows it).
func TargetDiffs(got, want cloud.Target) []string {
	var d []string
	if got.ARN != want.ARN {
		d = append(d, "target "+got.ARN+" -> "+want.ARN)
	}
	if got.RoleARN != want.RoleARN {
		d = append(d, "role")
	}
	if got.DeadLetterARN != want.DeadLetterARN {
		d = append(d, "dead-letter queue")
	}
	if got.MaxAttempts != want.MaxAttempts || got.MaxAge != want.MaxAge {
		d = append(d, "retry policy")
	}
	if got.ConstantInput != want.ConstantInput {
		d = append(d, "constant input")
	}
	if got.InputPath != want.InputPath {
		d = append(d, "input path")
	}
	if !sameInput(got.Input, want.Input) {
		d = append(d, "input transformer")
	}
	return d
}

// inputOverride says what a target sends in place of the event. The constant
// is not quoted: an actor chose it.
func inputOverride(t cloud.Target) string {
	switch {
	case t.ConstantInput != "":
		return fmt.Sprintf("a constant input (%d bytes)", len(t.ConstantInput))
	case t.InputPath != "":
		return "only part of it (an input path)"
	}
	return "no override"
}
