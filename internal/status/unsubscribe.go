package status

import (
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// withOneClick adds the one-click unsubscribe warning
// (chain.JudgeOneClickUnsubscribe) to the subscriptions' verdict v: it
// replaces an OK, is appended to another warning, and gives way to a FAIL
// (which says more).
func withOneClick(v chain.Verdict, subs []cloud.Subscription) chain.Verdict {
	u := chain.JudgeOneClickUnsubscribe(subs)
	if u.Status != Warn {
		return v
	}
	switch v.Status {
	case OK:
		return u
	case Warn:
		v.Detail += "; " + u.Detail
		v.Fix += "; " + u.Fix
	}
	return v
}
