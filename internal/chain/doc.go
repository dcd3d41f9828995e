// Package chain is the one model of rootwatch's alert chain: the deterministic
// names, the desired Spec of a deployment, and the pure judgement of each link
// of a deployed chain. It makes no AWS call and does no I/O: deploy plans from
// the Spec, status reads each link from AWS and asks this package for the
// verdict, and test reuses status's verdicts, so the three cannot disagree.
//
// The chain, from an event to an e-mail:
//
//	trail → (every forwarder: account × region) forwarding rule on the
//	default bus → home bus → alert rules → SNS topic (policy, KMS key)
//	→ confirmed subscriptions
//
// with a dead-letter queue behind every target.
//
// # Spec
//
// A Spec has a home part (account, region, bus, alert rules, topic: where
// alerts are raised) and Forwarders, one per account and region, each naming
// the home bus ARN its rule targets. Today every forwarder is in the home
// account; an organization deployment adds forwarders of member accounts
// whose targets name the central account's bus, and a bus policy to let them.
//
// # Verdicts
//
// Each Judge function takes what was read from AWS and returns a Verdict: OK
// (the link works as deploy sets it up), Warn (it works but an alert may be
// missed, delayed or reach fewer people), or Fail (alerts are lost), with a
// message and, where one helps, a fix. A link that could not be read is
// Error; only the reader (status) knows that.
package chain
