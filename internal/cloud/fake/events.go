package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// maxTargets is EventBridge's limit of targets per rule.
const maxTargets = 5

type bus struct {
	name   string
	arn    string
	policy string
	tags   cloud.Tags
	rules  map[string]*rule
}

type rule struct {
	r       cloud.Rule
	targets []cloud.Target // in the order they were first put
}

type events struct {
	a      *Account
	region string
	// principal is the ARN of the IAM principal the calls are made as; ""
	// means the account's own (see principalARN).
	principal string
}

func (a *Account) busARN(region, name string) string {
	return "arn:aws:events:" + region + ":" + a.id + ":event-bus/" + name
}

func (a *Account) ruleARN(region, busName, name string) string {
	if busName == "" || busName == cloud.DefaultBus {
		return "arn:aws:events:" + region + ":" + a.id + ":rule/" + name
	}
	return "arn:aws:events:" + region + ":" + a.id + ":rule/" + busName + "/" + name
}

func busOrDefault(name string) string {
	if name == "" {
		return cloud.DefaultBus
	}
	return name
}

func (e *events) Bus(ctx context.Context, name string) (cloud.Bus, error) {
	name = busOrDefault(name)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return cloud.Bus{}, fmt.Errorf("describe event bus %s in %s: %w", name, e.region, err)
	}
	defer e.a.mu.Unlock()
	b, ok := rs.buses[name]
	if !ok {
		return cloud.Bus{}, fmt.Errorf("describe event bus %s in %s: %w", name, e.region, notFound("ResourceNotFoundException: Event bus %s does not exist", name))
	}
	return cloud.Bus{Name: b.name, ARN: b.arn, Policy: b.policy, Tags: cloneTags(b.tags)}, nil
}

func (e *events) CreateBus(ctx context.Context, name string, tags cloud.Tags) (cloud.Bus, error) {
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return cloud.Bus{}, fmt.Errorf("create event bus %s in %s: %w", name, e.region, err)
	}
	defer e.a.mu.Unlock()
	if !validName(name, 256, "._-/") || strings.HasPrefix(name, "aws.") {
		return cloud.Bus{}, fmt.Errorf("create event bus %s in %s: ValidationException: invalid event bus name", name, e.region)
	}
	if _, ok := rs.buses[name]; ok {
		return cloud.Bus{}, fmt.Errorf("create event bus %s in %s: %w", name, e.region, exists("ResourceAlreadyExistsException: Event bus %s already exists", name))
	}
	if err := checkBusTags(nil, tags); err != nil {
		return cloud.Bus{}, fmt.Errorf("create event bus %s in %s: %w", name, e.region, err)
	}
	b := &bus{name: name, arn: e.a.busARN(e.region, name), tags: cloneTags(tags), rules: map[string]*rule{}}
	rs.buses[name] = b
	return cloud.Bus{Name: b.name, ARN: b.arn, Tags: cloneTags(b.tags)}, nil
}

// TagBus adds tags to a bus; the bus must exist.
func (e *events) TagBus(ctx context.Context, name string, tags cloud.Tags) error {
	name = busOrDefault(name)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return fmt.Errorf("tag event bus %s in %s: %w", name, e.region, err)
	}
	defer e.a.mu.Unlock()
	b, ok := rs.buses[name]
	if !ok {
		return fmt.Errorf("tag event bus %s in %s: %w", name, e.region, notFound("ResourceNotFoundException: Event bus %s does not exist", name))
	}
	if err := checkBusTags(b.tags, tags); err != nil {
		return fmt.Errorf("tag event bus %s in %s: %w", name, e.region, err)
	}
	if b.tags == nil {
		b.tags = cloud.Tags{}
	}
	for k, v := range tags {
		b.tags[k] = v
	}
	return nil
}

// DeleteBus deletes a custom bus and its rules. Like AWS, deleting a bus that
// does not exist succeeds, and the default bus cannot be deleted.
func (e *events) DeleteBus(ctx context.Context, name string) error {
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return fmt.Errorf("delete event bus %s in %s: %w", name, e.region, err)
	}
	defer e.a.mu.Unlock()
	if busOrDefault(name) == cloud.DefaultBus {
		return fmt.Errorf("delete event bus %s in %s: ValidationException: Cannot delete event bus default", name, e.region)
	}
	delete(rs.buses, name)
	return nil
}

func (e *events) Rules(ctx context.Context, busName, prefix string) ([]cloud.Rule, error) {
	busName = busOrDefault(busName)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return nil, fmt.Errorf("list rules on bus %s in %s: %w", busName, e.region, err)
	}
	defer e.a.mu.Unlock()
	b, ok := rs.buses[busName]
	if !ok {
		return nil, fmt.Errorf("list rules on bus %s in %s: %w", busName, e.region, notFound("ResourceNotFoundException: Event bus %s does not exist", busName))
	}
	var out []cloud.Rule
	for name, r := range b.rules {
		if strings.HasPrefix(name, prefix) {
			out = append(out, copyRule(r.r))
		}
	}
	slices.SortFunc(out, func(x, y cloud.Rule) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

func copyRule(r cloud.Rule) cloud.Rule {
	r.Tags = cloneTags(r.Tags)
	return r
}

func (e *events) Rule(ctx context.Context, busName, name string) (cloud.Rule, error) {
	busName = busOrDefault(busName)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return cloud.Rule{}, fmt.Errorf("describe rule %s on bus %s in %s: %w", name, busName, e.region, err)
	}
	defer e.a.mu.Unlock()
	r, err := rs.rule(busName, name)
	if err != nil {
		return cloud.Rule{}, fmt.Errorf("describe rule %s on bus %s in %s: %w", name, busName, e.region, err)
	}
	return copyRule(r.r), nil
}

func (rs *regionState) rule(busName, name string) (*rule, error) {
	b, ok := rs.buses[busOrDefault(busName)]
	if !ok {
		return nil, notFound("ResourceNotFoundException: Event bus %s does not exist", busName)
	}
	r, ok := b.rules[name]
	if !ok {
		return nil, notFound("ResourceNotFoundException: Rule %s does not exist on EventBus %s", name, busName)
	}
	return r, nil
}

// PutRule creates or updates a rule. As in AWS, tags count only when the rule is
// created, and a missing state means ENABLED.
func (e *events) PutRule(ctx context.Context, in cloud.Rule) (string, error) {
	busName := busOrDefault(in.Bus)
	op := fmt.Sprintf("put rule %s on bus %s in %s", in.Name, busName, e.region)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer e.a.mu.Unlock()
	if !validName(in.Name, 64, "._-") {
		return "", fmt.Errorf("%s: ValidationException: invalid rule name", op)
	}
	switch in.State {
	case "":
		in.State = cloud.RuleEnabled
	case cloud.RuleEnabled, cloud.RuleDisabled, cloud.RuleEnabledAllManagement:
	default:
		return "", fmt.Errorf("%s: ValidationException: invalid state %q", op, in.State)
	}
	if in.Pattern == "" && in.Schedule == "" {
		return "", fmt.Errorf("%s: ValidationException: a rule needs an event pattern or a schedule", op)
	}
	if in.Pattern != "" {
		if err := validatePattern(in.Pattern); err != nil {
			return "", fmt.Errorf("%s: InvalidEventPatternException: %w", op, err)
		}
	}
	if in.Schedule != "" {
		if busName != cloud.DefaultBus {
			return "", fmt.Errorf("%s: ValidationException: ScheduleExpression is supported only on the default event bus", op)
		}
		if !validSchedule(in.Schedule) {
			return "", fmt.Errorf("%s: ValidationException: Parameter ScheduleExpression is not valid", op)
		}
	}
	b, ok := rs.buses[busName]
	if !ok {
		return "", fmt.Errorf("%s: %w", op, notFound("ResourceNotFoundException: Event bus %s does not exist", busName))
	}
	arn := e.a.ruleARN(e.region, busName, in.Name)
	r, ok := b.rules[in.Name]
	if !ok {
		r = &rule{}
		b.rules[in.Name] = r
		r.r.Tags = cloneTags(in.Tags)
	}
	r.r.Name = in.Name
	r.r.Bus = busName
	r.r.ARN = arn
	r.r.Pattern = in.Pattern
	r.r.Schedule = in.Schedule
	r.r.State = in.State
	r.r.Description = in.Description
	return arn, nil
}

// DeleteRule deletes a rule. Like AWS, it fails while the rule has targets and
// succeeds when the rule (or its bus) does not exist.
func (e *events) DeleteRule(ctx context.Context, busName, name string) error {
	busName = busOrDefault(busName)
	op := fmt.Sprintf("delete rule %s on bus %s in %s", name, busName, e.region)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer e.a.mu.Unlock()
	b, ok := rs.buses[busName]
	if !ok {
		return nil
	}
	r, ok := b.rules[name]
	if !ok {
		return nil
	}
	if len(r.targets) > 0 {
		return fmt.Errorf("%s: ValidationException: Rule can't be deleted since it has targets", op)
	}
	delete(b.rules, name)
	return nil
}

func (e *events) Targets(ctx context.Context, busName, ruleName string) ([]cloud.Target, error) {
	busName = busOrDefault(busName)
	op := fmt.Sprintf("list targets of rule %s on bus %s in %s", ruleName, busName, e.region)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer e.a.mu.Unlock()
	r, err := rs.rule(busName, ruleName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make([]cloud.Target, len(r.targets))
	for i, t := range r.targets {
		out[i] = copyTarget(t)
	}
	return out, nil
}

func copyTarget(t cloud.Target) cloud.Target {
	if t.Input != nil {
		in := *t.Input
		if in.Paths != nil {
			p := make(map[string]string, len(in.Paths))
			for k, v := range in.Paths {
				p[k] = v
			}
			in.Paths = p
		}
		t.Input = &in
	}
	return t
}

// PutTargets adds or replaces targets by ID, validating them as EventBridge does.
func (e *events) PutTargets(ctx context.Context, busName, ruleName string, targets []cloud.Target) error {
	busName = busOrDefault(busName)
	op := fmt.Sprintf("put targets on rule %s on bus %s in %s", ruleName, busName, e.region)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer e.a.mu.Unlock()
	r, err := rs.rule(busName, ruleName)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if len(targets) == 0 {
		return fmt.Errorf("%s: ValidationException: no targets", op)
	}
	for _, t := range targets {
		if err := e.validateTarget(t); err != nil {
			return fmt.Errorf("%s: target %s: %w", op, t.ID, err)
		}
	}
	next := slices.Clone(r.targets)
	for _, t := range targets {
		i := slices.IndexFunc(next, func(x cloud.Target) bool { return x.ID == t.ID })
		if i >= 0 {
			next[i] = copyTarget(t)
		} else {
			next = append(next, copyTarget(t))
		}
	}
	if len(next) > maxTargets {
		return fmt.Errorf("%s: LimitExceededException: a rule can have at most %d targets", op, maxTargets)
	}
	r.targets = next
	return nil
}

func (e *events) validateTarget(t cloud.Target) error {
	if !validName(t.ID, 64, "._-") {
		return fmt.Errorf("ValidationException: invalid target ID %q", t.ID)
	}
	switch arnService(t.ARN) {
	case "sns", "sqs", "events", "lambda", "logs", "states", "kinesis", "firehose":
	default:
		return fmt.Errorf("ValidationException: Parameter %s is not valid. Reason: Provided Arn is not in correct format", t.ARN)
	}
	if isAPIDestination(t.ARN) && t.RoleARN == "" {
		return fmt.Errorf("ValidationException: RoleArn is required for target arn %s", t.ARN)
	}
	if arnService(t.ARN) == "events" && arnRegion(t.ARN) != e.region && t.RoleARN == "" {
		return fmt.Errorf("ValidationException: RoleArn is required for target arn %s", t.ARN)
	}
	if t.DeadLetterARN != "" && arnService(t.DeadLetterARN) != "sqs" {
		return fmt.Errorf("ValidationException: dead-letter queue %s is not an SQS queue ARN", t.DeadLetterARN)
	}
	if t.MaxAttempts < 0 || t.MaxAttempts > 185 {
		return fmt.Errorf("ValidationException: MaximumRetryAttempts %d is out of range 0..185", t.MaxAttempts)
	}
	if t.MaxAge != 0 && (t.MaxAge < time.Minute || t.MaxAge > 24*time.Hour) {
		return fmt.Errorf("ValidationException: MaximumEventAgeInSeconds %d is out of range 60..86400", int(t.MaxAge/time.Second))
	}
	n := 0
	for _, set := range []bool{t.Input != nil, t.ConstantInput != "", t.InputPath != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("ValidationException: Only one of Input, InputPath, or InputTransformer must be provided")
	}
	if t.ConstantInput != "" && !json.Valid([]byte(t.ConstantInput)) {
		return fmt.Errorf("ValidationException: Input is not valid JSON")
	}
	if in := t.Input; in != nil {
		if len(in.Paths) > 100 {
			return fmt.Errorf("ValidationException: InputPathsMap has more than 100 entries")
		}
		for k, p := range in.Paths {
			if k == "" || strings.HasPrefix(k, "aws.") {
				return fmt.Errorf("ValidationException: InputPathsMap key %q is reserved or empty", k)
			}
			if !strings.HasPrefix(p, "$") {
				return fmt.Errorf("ValidationException: InputPathsMap value %q for %q is not a JSON path", p, k)
			}
		}
		if in.Template == "" {
			return fmt.Errorf("ValidationException: InputTemplate is required with InputPathsMap")
		}
	}
	return nil
}

// RemoveTargets removes targets by ID; IDs the rule does not have are ignored.
func (e *events) RemoveTargets(ctx context.Context, busName, ruleName string, ids []string) error {
	busName = busOrDefault(busName)
	op := fmt.Sprintf("remove targets from rule %s on bus %s in %s", ruleName, busName, e.region)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer e.a.mu.Unlock()
	r, err := rs.rule(busName, ruleName)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.targets = slices.DeleteFunc(r.targets, func(t cloud.Target) bool { return slices.Contains(ids, t.ID) })
	return nil
}

// TestPattern answers with the local pattern engine.
func (e *events) TestPattern(ctx context.Context, pattern, event string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("test event pattern in %s: %w", e.region, err)
	}
	if err := validatePattern(pattern); err != nil {
		return false, fmt.Errorf("test event pattern in %s: InvalidEventPatternException: %w", e.region, err)
	}
	var ev map[string]json.RawMessage
	if err := json.Unmarshal([]byte(event), &ev); err != nil {
		return false, fmt.Errorf("test event pattern in %s: ValidationException: event is not a JSON object: %w", e.region, err)
	}
	for _, f := range []string{"id", "account", "source", "time", "region", "detail-type"} {
		if _, ok := ev[f]; !ok {
			return false, fmt.Errorf("test event pattern in %s: ValidationException: event is missing the field %q", e.region, f)
		}
	}
	ok, err := matchPattern(pattern, event)
	if err != nil {
		return false, fmt.Errorf("test event pattern in %s: %w", e.region, err)
	}
	return ok, nil
}

// PutEvents puts events on a bus and delivers them. Like AWS, it refuses
// sources beginning with "aws." (use Emit for those).
func (e *events) PutEvents(ctx context.Context, busName string, evs []cloud.Event) error {
	busName = busOrDefault(busName)
	op := fmt.Sprintf("put events on bus %s in %s", busName, e.region)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer e.a.unlockAndInvoke() // API destinations are invoked without the lock
	if len(evs) == 0 {
		return fmt.Errorf("%s: ValidationException: no entries", op) // batches of 10 are the adapter's business
	}
	dst, drs, b, err := e.putEventsBus(rs, busName)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	docs := make([]string, len(evs))
	for i, ev := range evs {
		if strings.HasPrefix(ev.Source, "aws.") {
			return fmt.Errorf("%s: entry %d: NotAuthorizedForSourceException: Not authorized for the source %s", op, i, ev.Source)
		}
		if ev.Source == "" || ev.DetailType == "" {
			return fmt.Errorf("%s: entry %d: InvalidArgument: Source and DetailType are required", op, i)
		}
		doc, err := e.a.eventJSON(e.region, ev)
		if err != nil {
			return fmt.Errorf("%s: entry %d: MalformedDetail: %w", op, i, err)
		}
		docs[i] = doc
	}
	for _, doc := range docs {
		dst.route(drs, b, doc, 0)
	}
	return nil
}

// eventJSON builds the event document EventBridge would deliver for ev.
func (a *Account) eventJSON(region string, ev cloud.Event) (string, error) {
	detail := ev.Detail
	if detail == "" {
		detail = "{}"
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(detail), &obj); err != nil || obj == nil {
		return "", fmt.Errorf("detail is not a JSON object")
	}
	t := ev.Time
	if t.IsZero() {
		t = a.now()
	}
	resources := ev.Resources
	if resources == nil {
		resources = []string{}
	}
	doc := struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}{"0", a.nextID(""), ev.DetailType, ev.Source, a.id, t.UTC().Format(time.RFC3339), region, resources, json.RawMessage(detail)}
	out, err := json.Marshal(doc)
	return string(out), err
}

// SetBusPolicy sets a bus's resource policy (the cloud interface only reads it).
func (a *Account) SetBusPolicy(region, busName, policy string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, err := a.bus(region, busName)
	if err != nil {
		return fmt.Errorf("put permission on bus %s in %s: %w", busName, region, err)
	}
	b.policy = policy
	return nil
}

// bus finds a bus for the tampering helpers; a.mu is held.
func (a *Account) bus(region, name string) (*bus, error) {
	rs, ok := a.region[region]
	if !ok {
		return nil, errRegion
	}
	b, ok := rs.buses[busOrDefault(name)]
	if !ok {
		return nil, notFound("ResourceNotFoundException: Event bus %s does not exist", name)
	}
	return b, nil
}

// validName reports whether s is 1..max characters of letters, digits and extra.
func validName(s string, max int, extra string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return true
}
