package chain

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// JudgeDLQ judges a forwarder's dead-letter queue q: messages there are alerts
// that were never delivered. peeked are up to 10 of its messages (left
// visible), peekErr why they could not be read; now is when their age is
// measured from. An empty queue must let EventBridge send to it.
func JudgeDLQ(f Forwarder, q cloud.Queue, peeked []cloud.Message, peekErr error, now time.Time) Verdict {
	if q.Messages == 0 && len(peeked) == 0 && peekErr == nil {
		return judgeDLQPolicy(f, q)
	}
	n := max(q.Messages, len(peeked))
	detail := fmt.Sprintf("dead-letter queue %s holds %d message(s): alerts that were never delivered", q.Name, n)
	switch {
	case peekErr != nil:
		detail += fmt.Sprintf(" (could not peek at them: %v)", peekErr)
	case len(peeked) > 0:
		oldest := peeked[0]
		for _, m := range peeked[1:] {
			if m.Sent.Before(oldest.Sent) {
				oldest = m
			}
		}
		of := ""
		if len(peeked) < n {
			of = fmt.Sprintf(" of the %d peeked at", len(peeked))
		}
		detail += fmt.Sprintf("; oldest%s sent %s (%s ago)", of, oldest.Sent.UTC().Format(time.RFC3339), age(now.Sub(oldest.Sent)))
		if dt := detailType(oldest.Body); dt != "" {
			detail += ": " + dt
		}
	}
	return fail(detail,
		fmt.Sprintf("read them (aws sqs receive-message --queue-url %s --region %s --max-number-of-messages 10), act on the alerts, find why delivery failed (the other checks), then purge the queue", q.URL, f.Region))
}

// JudgeDLQMissing is the verdict on a forwarder whose dead-letter queue does
// not exist.
func JudgeDLQMissing(f Forwarder) Verdict {
	return warn(fmt.Sprintf("dead-letter queue %s is missing: an alert that cannot be delivered is dropped without trace", f.DLQ.Name), Redeploy)
}

// judgeDLQPolicy judges whether EventBridge may send to the (empty) queue q.
func judgeDLQPolicy(f Forwarder, q cloud.Queue) Verdict {
	empty := fmt.Sprintf("dead-letter queue %s is empty", q.Name)
	if p, err := policy.Read(q.Policy); err == nil && q.Policy != "" {
		if v, denied := judgeDenials(p, "sqs:SendMessage", q.ARN); denied {
			v.Detail = fmt.Sprintf("dead-letter queue %s: %s: an alert that cannot be delivered is dropped without trace", q.Name, v.Detail)
			v.Fix = "run 'rootwatch deploy' to replace the queue policy with rootwatch's own (the statement is removed)"
			return v
		}
		for _, s := range p.Statement {
			if s.IsAllow() && s.NamesService(EventsService) && s.Covers("sqs:SendMessage") {
				return ok(empty)
			}
		}
	}
	return warn(empty+fmt.Sprintf(", but its policy has no statement (%s) letting %s send to it: an alert that cannot be delivered is dropped without trace", QueueStatementSid, EventsService),
		Redeploy)
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
