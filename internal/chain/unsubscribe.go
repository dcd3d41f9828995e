package chain

import (
	"fmt"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// JudgeOneClickUnsubscribe warns about confirmed e-mail subscriptions that
// anyone can remove. SNS puts an unsubscribe link in every e-mail it
// delivers; unless the subscription was confirmed with
// AuthenticateOnUnsubscribe (what 'rootwatch confirm' does, and not what
// clicking the confirmation link does), that link works for whoever holds the
// e-mail: a forwarded alert, a mailing-list archive, a shared inbox. So one
// click, by anyone, silences that address, and the topic only records an
// Unsubscribe (which the tamper rule alerts on, to the addresses left).
// Pending subscriptions are JudgeSubscriptions' to report.
func JudgeOneClickUnsubscribe(subs []cloud.Subscription) Verdict {
	var open []string
	for _, s := range subs {
		if (s.Protocol == "email" || s.Protocol == "email-json") && !s.Pending && !s.Authenticated {
			open = append(open, EndpointDisplay(s.Protocol, s.Endpoint))
		}
	}
	if len(open) == 0 {
		return ok("no e-mail subscription can be removed with the unsubscribe link of an alert")
	}
	return warn(fmt.Sprintf("e-mail subscription(s) %s confirmed without authentication: anyone holding one of its alert e-mails (a forwarded one too) can unsubscribe it with one click", strings.Join(open, ", ")),
		"unsubscribe it (aws sns unsubscribe --subscription-arn ARN), run 'rootwatch deploy --email ADDR' for a new confirmation e-mail, and confirm with 'rootwatch confirm LINK' instead of clicking the link")
}
