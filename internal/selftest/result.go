package selftest

import ()

// Status is a check's outcome.
type Status string

const (
	Pass Status = "pass"
	// Warn: the link works but an alert may be missed, delayed or reach
	// fewer people (status's warn).
	Warn Status = "warn"
	Fail Status = "fail"
	// NotVerifiable: the endpoint cannot show whether the link works (an
	// emulator that does not deliver to SNS targets).
	NotVerifiable Status = "not-verifiable"
	// Error: the check could not be done (an API error).
	Error Status = "error"
)

// Engines that answer the pattern check.
const (
	EngineAWS   = "aws"
	EngineLocal = "local engine"
)

// Result is what `rootwatch test` found; `rootwatch test --output json` prints it.
type Result struct {
	Account    string `json:"account"`
	HomeRegion string `json:"homeRegion"`
	// PatternEngine is EngineAWS, or EngineLocal when the endpoint's
	// TestEventPattern gave no answer (PatternNote says so).
	PatternEngine string      `json:"patternEngine"`
	PatternNote   string      `json:"patternNote,omitempty"`
	Patterns      []RuleCheck `json:"patterns"`
	Links         []Link      `json:"links"`
	Delivery      Delivery    `json:"delivery"`
	// Notify is null without --notify.
	Notify *Notify `json:"notify"`
	// Channels is, with --notify, the test alert's outcome per channel.
	Channels []ChannelNotify `json:"channels,omitempty"`
	// Temporary lists the temporary resources created (and removed).
	Temporary []string `json:"temporary"`
	// CleanupErrors lists what could not be removed; remove those by hand.
	CleanupErrors []string `json:"cleanupErrors"`
}

// RuleCheck is the pattern check of one deployed rule.
type RuleCheck struct {
	Rule      string `json:"rule"`   // the deployed rule's name
	Kind      string `json:"kind"`   // rule pack ID, or "forward" for the forwarding rule
	Engine    string `json:"engine"` // EngineAWS or EngineLocal
	Status    Status `json:"status"`
	Positives int    `json:"positives"` // fixtures that must match
	Negatives int    `json:"negatives"` // look-alikes that must not
	// Problems lists each fixture answered wrongly, or why the rule could not
	// be checked.
	Problems []string `json:"problems"`
}

// Link is one link of the chain: status's check of the same name, or a hop
// of the delivery check.
type Link struct {
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Delivery is the end-to-end delivery check.
type Delivery struct {
	Status Status `json:"status"`
	Detail string `json:"detail"`
	// Rule is the deployed rule whose target and transformer were used.
	Rule string `json:"rule"`
	// Message is the message as delivered (what an e-mail subscriber reads);
	// Expected is the rule pack's rendering of the synthetic event.
	Message   string `json:"message,omitempty"`
	Expected  string `json:"expected,omitempty"`
	LatencyMS int64  `json:"latencyMs,omitempty"`
	// Hops are the per-hop probes run when the message did not arrive.
	Hops []Link `json:"hops,omitempty"`
}

// Notify is the --notify outcome.
type Notify struct {
	Status      Status `json:"status"`
	Detail      string `json:"detail"`
	Subscribers int    `json:"subscribers"` // confirmed e-mail subscriptions
}

// Passed reports whether every check passed.
func (r *Result) Passed() bool { return r.count(Pass) == r.total() && len(r.CleanupErrors) == 0 }

// Failed reports whether a check failed (a broken link), or a temporary
// resource was left behind.
func (r *Result) Failed() bool { return r.count(Fail) > 0 || len(r.CleanupErrors) > 0 }

// Degraded reports whether a link works but may miss, delay or narrow
// alerts (a warning, as status gives it).
func (r *Result) Degraded() bool { return r.count(Warn) > 0 }

// Unverified reports whether a check could not be made or verified (an API
// error, an endpoint that does not deliver).
func (r *Result) Unverified() bool { return r.count(NotVerifiable)+r.count(Error) > 0 }

func (r *Result) statuses() []Status {
	var ss []Status
	for _, p := range r.Patterns {
		ss = append(ss, p.Status)
	}
	for _, l := range r.Links {
		ss = append(ss, l.Status)
	}
	ss = append(ss, r.Delivery.Status)
	if r.Notify != nil {
		ss = append(ss, r.Notify.Status)
	}
	for _, c := range r.Channels {
		ss = append(ss, c.Status)
	}
	return ss
}

func (r *Result) count(s Status) int {
	n := 0
	for _, x := range r.statuses() {
		if x == s {
			n++
		}
	}
	return n
}

func (r *Result) total() int { return len(r.statuses()) }
