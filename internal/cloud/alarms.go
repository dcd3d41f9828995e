package cloud

import (
	"context"
	"time"
)

// Comparison is how an alarm compares its statistic with the threshold.
type Comparison string

const (
	GreaterThanOrEqual Comparison = "GreaterThanOrEqualToThreshold"
	GreaterThan        Comparison = "GreaterThanThreshold"
	LessThan           Comparison = "LessThanThreshold"
	LessThanOrEqual    Comparison = "LessThanOrEqualToThreshold"
)

// MissingData is how an alarm treats a period without data points.
type MissingData string

const (
	MissingBreaching    MissingData = "breaching"
	MissingNotBreaching MissingData = "notBreaching"
	MissingIgnore       MissingData = "ignore"
	MissingMissing      MissingData = "missing"
)

// AlarmState is a CloudWatch alarm's state.
type AlarmState string

const (
	AlarmOK           AlarmState = "OK"
	AlarmAlarm        AlarmState = "ALARM"
	AlarmInsufficient AlarmState = "INSUFFICIENT_DATA"
)

// The CloudWatch metrics rootwatch's alarms watch (namespace, metric name).
const (
	NamespaceEvents = "AWS/Events"
	NamespaceSQS    = "AWS/SQS"

	MetricMatchedEvents                  = "MatchedEvents"
	MetricInvocations                    = "Invocations"
	MetricFailedInvocations              = "FailedInvocations"
	MetricInvocationsSentToDlq           = "InvocationsSentToDlq"
	MetricInvocationsFailedToBeSentToDlq = "InvocationsFailedToBeSentToDlq"
	MetricMessagesVisible                = "ApproximateNumberOfMessagesVisible"
)

// Alarm is a CloudWatch metric alarm on one metric. An alarm's actions must be
// SNS topics in the alarm's own region.
type Alarm struct {
	Name        string
	ARN         string // set by the service
	Description string

	Namespace  string            // e.g. NamespaceEvents
	Metric     string            // e.g. MetricFailedInvocations
	Dimensions map[string]string // e.g. {"RuleName": "rootwatch-..."}
	Statistic  string            // "Sum", "Maximum", "Minimum", "Average", "SampleCount"

	Period            time.Duration // a multiple of a minute
	EvaluationPeriods int           // ≥ 1; the alarm fires when all of them breach
	Threshold         float64
	Comparison        Comparison
	TreatMissingData  MissingData // "" means MissingMissing, as in CloudWatch

	ActionsEnabled bool
	AlarmActions   []string // SNS topic ARNs notified on the transition to ALARM
	OKActions      []string // SNS topic ARNs notified on the transition to OK

	State AlarmState // read only
	Tags  Tags       // applied when the alarm is created
}

// Alarms is CloudWatch alarms in one region.
type Alarms interface {
	// PutAlarm creates or replaces the alarm of that name. Tags are applied
	// when the alarm is created.
	PutAlarm(ctx context.Context, a Alarm) error
	// Alarms lists the metric alarms whose names start with prefix, with
	// their state and tags.
	Alarms(ctx context.Context, prefix string) ([]Alarm, error)
	// DeleteAlarms deletes alarms by name; names that do not exist are
	// ignored (as in CloudWatch).
	DeleteAlarms(ctx context.Context, names []string) error
}
