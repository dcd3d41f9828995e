package status

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// This file holds the check functions, one per link, in the order of the chain.
// Each returns the results of its link; a function whose resource is missing says
// so and its dependants are not run.

const eventsService = "events.amazonaws.com"

// home checks the home region's part of the chain: trail, bus, alert rules and
// topic.
func (c *checker) home(ctx context.Context) []Result {
	var rs []Result
	rs = append(rs, c.trail(ctx))
	bus := c.bus(ctx)
	rs = append(rs, bus...)
	if bus[0].Status != Fail {
		// A missing bus takes its rules with it; its line says so.
		rs = append(rs, c.alerts(ctx)...)
	}
	rs = append(rs, c.topic(ctx)...)
	return rs
}

// alerts checks the alert rules, four at a time, and returns their results in
// the order of the rules.
func (c *checker) alerts(ctx context.Context) []Result {
	out := make([][]Result, len(c.exp.Alerts))
	var g errgroup.Group
	g.SetLimit(4)
	for i, a := range c.exp.Alerts {
		g.Go(func() error {
			out[i] = c.alert(ctx, a)
			return nil
		})
	}
	g.Wait()
	return slices.Concat(out...)
}

// trail checks that some trail records what EventBridge needs: logging,
// multi-region, global service events, management events All or WriteOnly.
func (c *checker) trail(ctx context.Context) Result {
	const check = "trail"
	region := c.exp.HomeRegion
	trails, err := c.acct.Trails(region).Trails(ctx)
	if err != nil {
		return apiError(region, check, err)
	}
	// deploy's pre-flight decides, so that deploy and status agree on what
	// a fit trail is.
	fit, problems := deploy.CheckTrails(trails)
	if fit != nil {
		return ok(region, check, fmt.Sprintf("trail %s: logging, multi-region, global service events, management events %s", fit.Name, fit.Management))
	}
	if len(trails) == 0 {
		return fail(region, check,
			"no CloudTrail trail: EventBridge receives no CloudTrail events, so root sign-ins and API calls raise no alert",
			"run 'rootwatch deploy --create-trail' to create a multi-region trail")
	}
	closest := trails[0]
	for _, t := range trails[1:] {
		if len(deploy.TrailProblems(t)) < len(deploy.TrailProblems(closest)) {
			closest = t
		}
	}
	return fail(region, check,
		"no trail is fit, so root activity raises no alert: "+strings.Join(problems, "; "),
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

// bus checks the home bus and that its policy, if any, does not deny the
// forwarding.
func (c *checker) bus(ctx context.Context) []Result {
	region, name := c.exp.HomeRegion, c.exp.Bus.Name
	b, err := c.acct.Events(region).Bus(ctx, name)
	if missing(err) {
		return []Result{fail(region, "bus", fmt.Sprintf("event bus %s is missing, and with it the %d alert rules: root activity raises no alert", name, len(c.exp.Alerts)), redeploy)}
	}
	if err != nil {
		return []Result{apiError(region, "bus", err)}
	}
	rs := []Result{ok(region, "bus", fmt.Sprintf("event bus %s", b.ARN))}
	return append(rs, c.busPolicy(region, b))
}

func (c *checker) busPolicy(region string, b cloud.Bus) Result {
	const check = "bus-policy"
	if b.Policy == "" {
		return ok(region, check, "no resource policy (forwarding within the account needs none)")
	}
	p, err := parsePolicy(b.Policy)
	if err != nil {
		return fail(region, check, fmt.Sprintf("bus %s has a policy that is not valid JSON: %v", b.Name, err), "fix or remove the policy: aws events remove-permission --event-bus-name "+b.Name+" --remove-all-permissions")
	}
	if r, denied := denies(p, "events:PutEvents", b.ARN, region, check); denied {
		r.Fix = "remove or narrow that statement so the role " + c.exp.Role.Name + " may put events on " + b.Name
		return r
	}
	return ok(region, check, "policy does not deny the forwarding")
}

// denies looks in p for a Deny statement that applies to action on resource.
// One without conditions is a fail; one with conditions (which status does not
// evaluate) is a warning.
func denies(p policy, action, resource, region, check string) (Result, bool) {
	var conditional []string
	for i, s := range p.Statement {
		if !s.deny() || !s.covers(action) || !s.on(resource) {
			continue
		}
		name := s.Sid
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if len(s.Condition) == 0 {
			return fail(region, check, fmt.Sprintf("statement %s denies %s: alerts are refused", name, action), ""), true
		}
		conditional = append(conditional, name)
	}
	if len(conditional) > 0 {
		return warn(region, check, fmt.Sprintf("statement %s denies %s under conditions status does not evaluate: make sure they exclude rootwatch", strings.Join(conditional, ", "), action), ""), true
	}
	return Result{}, false
}

// alert checks one alert rule on the home bus, its pattern and its target.
func (c *checker) alert(ctx context.Context, a RuleExpect) []Result {
	region := c.exp.HomeRegion
	ev := c.acct.Events(region)
	id := "/" + a.ID
	r, err := ev.Rule(ctx, a.Rule.Bus, a.Rule.Name)
	if missing(err) {
		return []Result{fail(region, "alert-rule"+id,
			fmt.Sprintf("rule %s is missing from bus %s: no %s alert is sent", a.Rule.Name, c.exp.Bus.Name, a.ID), redeploy)}
	}
	if err != nil {
		return []Result{apiError(region, "alert-rule"+id, err)}
	}
	rs := []Result{ruleState(region, "alert-rule"+id, r, a.Rule.State, "no "+a.ID+" alert is sent", "read-only calls raise no "+a.ID+" alert")}
	rs = append(rs, pattern(region, "alert-pattern"+id, r, a.Rule.Pattern))
	rs = append(rs, c.target(ctx, region, "alert-target"+id, a, "its alerts go nowhere"))
	return rs
}

// ruleState checks that r is enabled the way deploy enables it.
func ruleState(region, check string, r cloud.Rule, want cloud.RuleState, lost, readOnlyLost string) Result {
	fix := fmt.Sprintf("run 'rootwatch deploy' to enable it (or aws events enable-rule --name %s%s --region %s)", r.Name, busFlag(r.Bus), region)
	switch {
	case r.State == cloud.RuleDisabled:
		return fail(region, check, fmt.Sprintf("rule %s is DISABLED: %s", r.Name, lost), fix)
	case want == cloud.RuleEnabledAllManagement && r.State != cloud.RuleEnabledAllManagement:
		return warn(region, check,
			fmt.Sprintf("rule %s is %s, not %s: root's read-only API calls are missed (%s)", r.Name, r.State, cloud.RuleEnabledAllManagement, readOnlyLost),
			"run 'rootwatch deploy' to set the state "+string(cloud.RuleEnabledAllManagement))
	case r.State != cloud.RuleEnabled && r.State != cloud.RuleEnabledAllManagement:
		return fail(region, check, fmt.Sprintf("rule %s is in state %q: %s", r.Name, r.State, lost), fix)
	}
	return ok(region, check, fmt.Sprintf("rule %s is %s", r.Name, r.State))
}

func busFlag(bus string) string {
	if bus == "" || bus == cloud.DefaultBus {
		return ""
	}
	return " --event-bus-name " + bus
}

// pattern checks that r's pattern is byte for byte the one deploy deploys.
func pattern(region, check string, r cloud.Rule, want string) Result {
	if r.Pattern == want {
		return ok(region, check, fmt.Sprintf("rule %s has the expected pattern", r.Name))
	}
	return fail(region, check,
		fmt.Sprintf("rule %s's pattern differs from the one rootwatch deploys (%s): events it should match may be missed", r.Name, firstDifference(r.Pattern, want)),
		"run 'rootwatch deploy' to put the expected pattern back")
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

// target checks that the rule of e has deploy's target: destination, role,
// input transformer and dead-letter queue.
func (c *checker) target(ctx context.Context, region, check string, e RuleExpect, lost string) Result {
	ts, err := c.acct.Events(region).Targets(ctx, e.Rule.Bus, e.Rule.Name)
	if err != nil {
		return apiError(region, check, err)
	}
	want := e.Target
	var got *cloud.Target
	for i := range ts {
		if ts[i].ID == want.ID || ts[i].ARN == want.ARN {
			got = &ts[i]
			break
		}
	}
	if got == nil {
		return fail(region, check, fmt.Sprintf("rule %s has no target sending to %s: %s", e.Rule.Name, want.ARN, lost), redeploy)
	}
	if got.ARN != want.ARN {
		return fail(region, check, fmt.Sprintf("target %s of rule %s sends to %s, not %s: %s", got.ID, e.Rule.Name, got.ARN, want.ARN, lost), redeploy)
	}
	if want.RoleARN != "" && got.RoleARN != want.RoleARN {
		role := got.RoleARN
		if role == "" {
			role = "no role"
		}
		return fail(region, check, fmt.Sprintf("target %s of rule %s uses %s, not %s: EventBridge cannot deliver, %s", got.ID, e.Rule.Name, role, want.RoleARN, lost), redeploy)
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
		return warn(region, check, fmt.Sprintf("target %s of rule %s: %s", got.ID, e.Rule.Name, strings.Join(problems, "; ")), redeploy)
	}
	detail := fmt.Sprintf("rule %s sends to %s", e.Rule.Name, got.ARN)
	if got.DeadLetterARN != "" {
		detail += " with a dead-letter queue"
	}
	return ok(region, check, detail)
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

// topic checks the topic, its policy, subscriptions and key.
func (c *checker) topic(ctx context.Context) []Result {
	region, arn := c.exp.HomeRegion, c.exp.TopicARN
	t, err := c.acct.Topics(region).Topic(ctx, arn)
	if missing(err) {
		return []Result{fail(region, "topic", fmt.Sprintf("topic %s is missing: no alert reaches anyone", arn), redeploy)}
	}
	if err != nil {
		return []Result{apiError(region, "topic", err)}
	}
	rs := []Result{ok(region, "topic", "topic "+arn)}
	rs = append(rs, c.topicPolicy(region, t))
	rs = append(rs, c.subscriptions(ctx, region, arn))
	rs = append(rs, c.kms(ctx, region, t))
	return rs
}

// topicPolicy checks rootwatch's statement: events.amazonaws.com may publish to
// the topic for exactly the alert rules' ARNs, and nothing denies it.
func (c *checker) topicPolicy(region string, t cloud.Topic) Result {
	const check = "topic-policy"
	sid := c.exp.TopicSid
	p, err := parsePolicy(t.Policy)
	if err != nil {
		return fail(region, check, fmt.Sprintf("the topic policy is not valid JSON (%v): SNS refuses the alerts", err), "fix the policy, then run 'rootwatch deploy'")
	}
	s, present := p.sid(sid)
	if !present {
		return fail(region, check,
			fmt.Sprintf("the topic policy has no statement %s: SNS refuses every alert EventBridge sends", sid),
			"run 'rootwatch deploy' to add the statement (other statements are kept)")
	}
	if !s.allow() || !s.hasService(eventsService) || !s.covers("sns:Publish") || !s.on(t.ARN) {
		return fail(region, check,
			fmt.Sprintf("statement %s does not allow %s sns:Publish on the topic: SNS refuses every alert", sid, eventsService),
			"run 'rootwatch deploy' to replace the statement")
	}
	if r, denied := denies(p, "sns:Publish", t.ARN, region, check); denied {
		r.Fix = "remove or narrow that statement so EventBridge may publish for rootwatch's rules"
		return r
	}
	var want []string // the rule ARNs the statement must name
	for _, a := range c.exp.Alerts {
		want = append(want, a.Rule.ARN)
	}
	values, _ := s.conditionValues("aws:SourceArn")
	if len(values) == 0 {
		return warn(region, check,
			fmt.Sprintf("statement %s lets any EventBridge rule publish (no aws:SourceArn condition)", sid),
			"run 'rootwatch deploy' to scope it to rootwatch's rules")
	}
	var refused, extra []string
	for _, w := range want {
		if !globAny(values, w, false) {
			refused = append(refused, w)
		}
	}
	for _, v := range values {
		if !slices.Contains(want, v) {
			extra = append(extra, v)
		}
	}
	if len(refused) > 0 {
		return fail(region, check,
			fmt.Sprintf("statement %s does not let %s publish: SNS refuses their alerts", sid, strings.Join(refused, ", ")),
			"run 'rootwatch deploy' to update the statement")
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return warn(region, check,
			fmt.Sprintf("statement %s also lets %s publish", sid, strings.Join(extra, ", ")),
			"run 'rootwatch deploy' to scope it to exactly rootwatch's rules")
	}
	if c.exp.TopicStatement != nil {
		if same, err := deploy.HasStatement(t.Policy, c.exp.TopicStatement); err == nil && !same {
			return warn(region, check,
				fmt.Sprintf("statement %s lets EventBridge publish for the alert rules but differs from the one rootwatch deploys", sid),
				"run 'rootwatch deploy' to replace the statement")
		}
	}
	return ok(region, check, fmt.Sprintf("statement %s lets EventBridge publish for the %d alert rules", sid, len(want)))
}

// subscriptions checks that someone gets the mail.
func (c *checker) subscriptions(ctx context.Context, region, topic string) Result {
	const check = "subscriptions"
	subs, err := c.acct.Topics(region).Subscriptions(ctx, topic)
	if err != nil {
		return apiError(region, check, err)
	}
	var confirmed, pending []string
	for _, s := range subs {
		if s.Pending {
			pending = append(pending, s.Endpoint)
		} else {
			confirmed = append(confirmed, s.Protocol+":"+s.Endpoint)
		}
	}
	const confirmFix = "open the confirmation e-mail sent to each pending address and click its link (or run 'rootwatch deploy --email ADDR' to send it again)"
	switch {
	case len(subs) == 0:
		return fail(region, check, "the topic has no subscription: nobody gets the alerts", "run 'rootwatch deploy --email ADDR'")
	case len(confirmed) == 0:
		return fail(region, check,
			fmt.Sprintf("no confirmed subscription, %d pending (%s): nobody gets the alerts", len(pending), strings.Join(pending, ", ")),
			confirmFix)
	case len(pending) > 0:
		return warn(region, check,
			fmt.Sprintf("%d confirmed, %d pending (%s): those addresses get no alerts", len(confirmed), len(pending), strings.Join(pending, ", ")),
			confirmFix)
	}
	return ok(region, check, fmt.Sprintf("%d confirmed (%s)", len(confirmed), strings.Join(confirmed, ", ")))
}

// kms checks that EventBridge can publish to the topic's encryption key.
func (c *checker) kms(ctx context.Context, region string, t cloud.Topic) Result {
	const check = "kms"
	if t.KMSKeyID == "" {
		return ok(region, check, "the topic is not encrypted")
	}
	k, err := c.acct.Keys(region).Key(ctx, t.KMSKeyID)
	if missing(err) {
		return fail(region, check,
			fmt.Sprintf("the topic's key %s does not exist: SNS cannot encrypt, so every alert is lost", t.KMSKeyID),
			"set a customer managed key on the topic (aws sns set-topic-attributes --attribute-name KmsMasterKeyId) and run 'rootwatch deploy'")
	}
	if err != nil {
		return apiError(region, check, err)
	}
	if k.AWSManaged {
		return fail(region, check,
			fmt.Sprintf("the topic is encrypted with the AWS managed key %s, which EventBridge cannot use: SNS refuses every alert", t.KMSKeyID),
			fmt.Sprintf("encrypt the topic with a customer managed key instead: aws sns set-topic-attributes --topic-arn %s --attribute-name KmsMasterKeyId --attribute-value KEY, then run 'rootwatch deploy' to grant EventBridge kms:GenerateDataKey* and kms:Decrypt on it", t.ARN))
	}
	// deploy's judgement, so that deploy, status and test agree on a key.
	lacking, err := deploy.KeyGrantsLacking(k.Policy)
	if err != nil {
		return fail(region, check, fmt.Sprintf("key %s has a policy status cannot read (%v)", k.ARN, err), "")
	}
	if len(lacking) > 0 {
		return fail(region, check,
			fmt.Sprintf("key %s's policy does not let %s use %s: SNS refuses every alert", k.ARN, eventsService, strings.Join(lacking, " and ")),
			"run 'rootwatch deploy' and let it add the key statement, or add one allowing events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt")
	}
	return ok(region, check, fmt.Sprintf("key %s lets EventBridge encrypt", k.ARN))
}

// role checks the forwarder role's trust and policy.
func (c *checker) role(ctx context.Context) []Result {
	want := c.exp.Role
	roles := c.acct.Roles()
	r, err := roles.Role(ctx, want.Name)
	if missing(err) {
		return []Result{fail(Global, "forwarder-role",
			fmt.Sprintf("role %s is missing: EventBridge cannot forward root activity to the home bus from any region", want.Name), redeploy)}
	}
	if err != nil {
		return []Result{apiError(Global, "forwarder-role", err)}
	}
	var rs []Result
	trust, err := parsePolicy(r.Trust)
	trusted := false
	if err == nil {
		for _, s := range trust.Statement {
			if s.allow() && s.hasService(eventsService) && s.covers("sts:AssumeRole") {
				trusted = true
			}
		}
	}
	if trusted {
		rs = append(rs, ok(Global, "forwarder-role", fmt.Sprintf("role %s trusts %s", r.Name, eventsService)))
	} else {
		rs = append(rs, fail(Global, "forwarder-role",
			fmt.Sprintf("role %s does not let %s assume it: no region can forward", r.Name, eventsService), redeploy))
	}

	doc, err := roles.RolePolicy(ctx, want.Name, want.PolicyName)
	switch {
	case missing(err):
		return append(rs, fail(Global, "forwarder-policy",
			fmt.Sprintf("role %s has no policy %s: it may not put events on the home bus, no region can forward", want.Name, want.PolicyName), redeploy))
	case err != nil:
		return append(rs, apiError(Global, "forwarder-policy", err))
	}
	p, err := parsePolicy(doc)
	allowed := false
	if err == nil {
		for _, s := range p.Statement {
			if s.allow() && s.covers("events:PutEvents") && s.on(want.BusARN) {
				allowed = true
			}
		}
	}
	if !allowed {
		return append(rs, fail(Global, "forwarder-policy",
			fmt.Sprintf("policy %s of role %s does not allow events:PutEvents on %s: no region can forward", want.PolicyName, want.Name, want.BusARN), redeploy))
	}
	return append(rs, ok(Global, "forwarder-policy", fmt.Sprintf("role %s may put events on %s", want.Name, want.BusARN)))
}

// region checks one region's forwarding rule, its target and dead-letter queue.
func (c *checker) region(ctx context.Context, re RegionExpect) []Result {
	region, f := re.Region, re.Forward
	var rs []Result
	r, err := c.acct.Events(region).Rule(ctx, f.Rule.Bus, f.Rule.Name)
	switch {
	case missing(err):
		rs = append(rs, fail(region, "forward-rule",
			fmt.Sprintf("forwarding rule %s is missing: root activity in %s raises no alert", f.Rule.Name, region), redeploy))
	case err != nil:
		rs = append(rs, apiError(region, "forward-rule", err))
	default:
		lost := "root activity in " + region + " raises no alert"
		rs = append(rs, ruleState(region, "forward-rule", r, f.Rule.State, lost, "read-only calls in "+region))
		rs = append(rs, pattern(region, "forward-pattern", r, f.Rule.Pattern))
		rs = append(rs, c.target(ctx, region, "forward-target", f, lost))
	}
	return append(rs, c.dlq(ctx, re))
}

// dlq checks the region's dead-letter queue: messages there are alerts that
// were never delivered. It peeks at up to 10 of them (visibility 0, so they
// stay visible) to tell how old they are.
func (c *checker) dlq(ctx context.Context, re RegionExpect) Result {
	const check = "dlq"
	region := re.Region
	qs := c.acct.Queues(region)
	q, err := qs.Queue(ctx, re.DLQName)
	if missing(err) {
		return warn(region, check,
			fmt.Sprintf("dead-letter queue %s is missing: an alert that cannot be delivered is dropped without trace", re.DLQName), redeploy)
	}
	if err != nil {
		return apiError(region, check, err)
	}
	if q.Messages == 0 {
		// Messages is approximate; a peek confirms the queue is empty.
		msgs, err := qs.Receive(ctx, q.URL, 10, 0, 0)
		if err != nil {
			return apiError(region, check, err)
		}
		if len(msgs) == 0 {
			return c.dlqPolicy(region, q, re.DLQSid)
		}
		return c.lostAlerts(region, q, msgs, nil)
	}
	msgs, err := qs.Receive(ctx, q.URL, 10, 0, 0)
	return c.lostAlerts(region, q, msgs, err)
}

// dlqPolicy checks that EventBridge may send to the (empty) queue q.
func (c *checker) dlqPolicy(region string, q cloud.Queue, sid string) Result {
	const check = "dlq"
	empty := fmt.Sprintf("dead-letter queue %s is empty", q.Name)
	allowed := false
	if p, err := parsePolicy(q.Policy); err == nil && q.Policy != "" {
		for _, s := range p.Statement {
			if s.allow() && s.hasService(eventsService) && s.covers("sqs:SendMessage") {
				allowed = true
			}
		}
	}
	if !allowed {
		return warn(region, check,
			empty+fmt.Sprintf(", but its policy has no statement (%s) letting %s send to it: an alert that cannot be delivered is dropped without trace", sid, eventsService),
			redeploy)
	}
	return ok(region, check, empty)
}

// lostAlerts is the fail result for a dead-letter queue holding messages.
func (c *checker) lostAlerts(region string, q cloud.Queue, msgs []cloud.Message, peekErr error) Result {
	n := max(q.Messages, len(msgs))
	detail := fmt.Sprintf("dead-letter queue %s holds %d message(s): alerts that were never delivered", q.Name, n)
	switch {
	case peekErr != nil:
		detail += fmt.Sprintf(" (could not peek at them: %v)", peekErr)
	case len(msgs) > 0:
		oldest := msgs[0]
		for _, m := range msgs[1:] {
			if m.Sent.Before(oldest.Sent) {
				oldest = m
			}
		}
		of := ""
		if len(msgs) < n {
			of = fmt.Sprintf(" of the %d peeked at", len(msgs))
		}
		detail += fmt.Sprintf("; oldest%s sent %s (%s ago)", of, oldest.Sent.UTC().Format(time.RFC3339), age(c.now.Sub(oldest.Sent)))
		if dt := detailType(oldest.Body); dt != "" {
			detail += ": " + dt
		}
	}
	return fail(region, "dlq", detail,
		fmt.Sprintf("read them (aws sqs receive-message --queue-url %s --region %s --max-number-of-messages 10), act on the alerts, find why delivery failed (the other checks), then purge the queue", q.URL, region))
}

// detailType is the detail-type of the event in a dead-lettered message body.
func detailType(body string) string {
	var e struct {
		DetailType string `json:"detail-type"`
	}
	if json.Unmarshal([]byte(body), &e) != nil {
		return ""
	}
	return e.DetailType
}

// age renders d coarsely: 3d4h, 2h5m, 4m10s, 12s.
func age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Truncate(time.Second)
	days := d / (24 * time.Hour)
	h := (d % (24 * time.Hour)) / time.Hour
	m := (d % time.Hour) / time.Minute
	s := (d % time.Minute) / time.Second
	switch {
	case days > 0:
		return fmt.Sprintf("%dd%dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh%dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
