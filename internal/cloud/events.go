package cloud

import (
	"context"
	"time"
)

// DefaultBus is the name of every region's default event bus.
const DefaultBus = "default"

// RuleState is an EventBridge rule's state.
type RuleState string

const (
	RuleEnabled  RuleState = "ENABLED"
	RuleDisabled RuleState = "DISABLED"
	// RuleEnabledAllManagement is the state in which a rule also receives
	// read-only CloudTrail management events.
	RuleEnabledAllManagement RuleState = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
)

// Bus is an EventBridge event bus.
type Bus struct {
	Name   string
	ARN    string
	Policy string // resource policy JSON; "" when none
	Tags   Tags
}

// Rule is an EventBridge rule on a bus.
type Rule struct {
	Name    string
	Bus     string // bus name; "" means DefaultBus
	ARN     string // set by the service
	Pattern string // the event pattern, byte for byte as deployed
	// Schedule is a schedule expression ("rate(5 minutes)") for a rule that
	// runs on a schedule instead of matching events; only the default bus
	// has such rules. A rule has a Pattern or a Schedule.
	Schedule    string
	State       RuleState
	Description string
	Tags        Tags
}

// Target is one target of a rule.
type Target struct {
	ID      string
	ARN     string // SNS topic, SQS queue, or event bus
	RoleARN string // required for event-bus targets in another region
	Input   *InputTransformer
	// ConstantInput is JSON sent instead of the event (EventBridge's Input);
	// InputPath a JSON path selecting the part of the event sent. At most one
	// of Input, ConstantInput and InputPath is set.
	ConstantInput string
	InputPath     string
	// DeadLetterARN is the SQS queue that receives events the target could not
	// take after the retries; "" when none.
	DeadLetterARN string
	// Retry policy; zero values mean the service's default.
	MaxAttempts int
	MaxAge      time.Duration
}

// InputTransformer renders the event into the message a target receives.
type InputTransformer struct {
	Paths    map[string]string // placeholder name -> JSON path, e.g. "account": "$.account"
	Template string            // the InputTemplate, e.g. "\"Root signed in to <account>\""
}

// Event is an event to put on a bus.
type Event struct {
	Source     string
	DetailType string
	Detail     string // JSON object
	Resources  []string
	Time       time.Time
}

// Events is EventBridge in one region.
type Events interface {
	Bus(ctx context.Context, name string) (Bus, error)
	// CreateBus creates a custom bus; an existing one is an error wrapping
	// ErrAlreadyExists.
	CreateBus(ctx context.Context, name string, tags Tags) (Bus, error)
	// DeleteBus deletes a custom bus; deleting one that does not exist
	// succeeds (as in AWS). The default bus cannot be deleted.
	DeleteBus(ctx context.Context, name string) error
	// SetBusPolicy replaces a bus's resource policy (the one that lets other
	// accounts put events on it); "" removes it. The bus must exist.
	SetBusPolicy(ctx context.Context, name, policy string) error
	// TagBus adds tags to a bus, replacing the values of keys it already has.
	// The bus must exist.
	TagBus(ctx context.Context, name string, tags Tags) error

	// Rules lists the rules on bus whose names start with prefix, with their tags.
	Rules(ctx context.Context, bus, prefix string) ([]Rule, error)
	Rule(ctx context.Context, bus, name string) (Rule, error)
	// PutRule creates or updates a rule and returns its ARN. Tags are applied
	// when the rule is created.
	PutRule(ctx context.Context, r Rule) (string, error)
	// DeleteRule deletes a rule; the rule must have no targets. Deleting a
	// rule that does not exist succeeds (as in AWS).
	DeleteRule(ctx context.Context, bus, name string) error

	Targets(ctx context.Context, bus, rule string) ([]Target, error)
	// PutTargets adds or replaces targets by ID. A rule that does not exist
	// is an error wrapping ErrNotFound.
	PutTargets(ctx context.Context, bus, rule string, targets []Target) error
	RemoveTargets(ctx context.Context, bus, rule string, ids []string) error

	// TestPattern asks the service whether pattern matches event. An endpoint
	// that gives no usable answer returns an error wrapping ErrUnsupported.
	TestPattern(ctx context.Context, pattern, event string) (bool, error)
	// PutEvents puts any number of events on a bus (in batches of the
	// service's size); any entry that fails makes it fail. Sources beginning
	// with "aws." are refused, as by AWS.
	PutEvents(ctx context.Context, bus string, events []Event) error
}
