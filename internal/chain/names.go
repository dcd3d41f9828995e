package chain

// Deterministic names of everything rootwatch creates. Status, destroy and test
// find resources by these names (and check the rootwatch:managed tag).
const (
	// Home region.
	TopicName = "rootwatch-alerts" // SNS topic, unless --topic-arn names one
	BusName   = "rootwatch"        // custom event bus receiving forwarded root activity
	// AlertRulePrefix + rule pack ID names each alert rule on BusName.
	AlertRulePrefix = "rootwatch-alert-"
	// SelfTestRulePrefix names the temporary rules of `rootwatch test`.
	SelfTestRulePrefix = "rootwatch-selftest-"

	// Every enabled region.
	ForwardRuleName = "rootwatch-forward" // on the default bus
	DLQName         = "rootwatch-dlq"     // SQS dead-letter queue of the region's rootwatch targets

	// IAM (global).
	ForwarderRoleName   = "rootwatch-forwarder"
	ForwarderPolicyName = "rootwatch-put-events"

	// Policy statement IDs rootwatch owns inside policies it merges into.
	TopicStatementSid = "RootwatchEventBridgePublish"
	KeyStatementSid   = "RootwatchEventBridgeKMS"
	QueueStatementSid = "RootwatchEventBridgeDLQ"

	// --create-trail.
	TrailName = "rootwatch"
	// TrailBucketPrefix + account ID + "-" + home region names the trail's bucket.
	TrailBucketPrefix = "rootwatch-trail-"

	// Target IDs.
	AlertTargetID   = "rootwatch-topic"
	ForwardTargetID = "rootwatch-home-bus"
)

// EventsService is EventBridge's service principal: every policy statement
// rootwatch writes for the chain grants it.
const EventsService = "events.amazonaws.com"
