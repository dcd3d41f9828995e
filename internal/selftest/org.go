package selftest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/status"
)

// Organization mode (test --org) proves two things, and raises no alert in
// doing so:
//
//   - the central delivery: Run against the central account's chain (its
//     patterns, links and an end-to-end delivery to the topic through
//     temporary resources), the trail link being the management account's
//     organization trail;
//   - every other account's forwarding path to the central bus, judged link
//     by link with status --org's verdicts (status.Org.CheckPaths): the
//     forwarder role's trust and its events:PutEvents on the central bus,
//     each region's forwarding rule, pattern and target (the central bus,
//     through the role), its dead-letter queue, and the central bus policy
//     evaluated for that account's forwarder role in the organization. The
//     central account's own forwarders are judged as status judges them.
//
// No event is put through a member's forwarder: a synthetic event on a
// member's default bus would have to carry an aws.* source to match the
// forwarding rule, which PutEvents refuses, and an event that did match
// would reach the deployed alert rules: a false alert.

// OrgOptions configure test --org.
type OrgOptions struct {
	status.OrgOptions
	// Test configures the central delivery test.
	Test Options
}

// OrgResult is test --org's result.
type OrgResult struct {
	Organization   string `json:"organization"`
	CentralAccount string `json:"centralAccount"`
	CentralBus     string `json:"centralBus"`
	// Central is the delivery test of the central chain.
	Central *Result `json:"central"`
	// Accounts are the forwarding paths, the central account's first.
	Accounts []status.AccountReport `json:"accounts"`
}

// RunOrg tests the organization deployment from the management account's
// credentials (caller). It returns an error only when the organization or the
// central account could not be read, or when ctx was canceled.
func RunOrg(ctx context.Context, caller cloud.Account, o OrgOptions) (*OrgResult, error) {
	g, err := status.OpenOrg(ctx, caller, o.OrgOptions)
	if err != nil {
		return nil, err
	}
	spec := g.CentralSpec
	res := &OrgResult{Organization: g.ID, CentralAccount: spec.Account, CentralBus: spec.Bus.ARN}
	to := o.Test
	to.TrailAccount = caller
	if to.Now == nil {
		to.Now = time.Now
	}
	res.Central, err = Run(ctx, g.Central, spec, to)
	if err != nil {
		return res, err
	}
	now := to.Now()
	central := status.CheckForwarders(ctx, g.Central, spec, now)
	ca := status.AccountReport{Account: g.CentralAccount, Role: "central", Report: &central, Status: central.Status}
	res.Accounts = append([]status.AccountReport{ca}, g.CheckPaths(ctx, now)...)
	return res, ctx.Err()
}

// Failed reports whether the central delivery failed or is degraded, or a
// forwarding path is broken or degraded (an uncovered account too).
func (r *OrgResult) Failed() bool {
	if r.Central.Failed() || r.Central.Degraded() {
		return true
	}
	for _, a := range r.Accounts {
		if a.Status == status.Fail || a.Status == status.Warn {
			return true
		}
	}
	return false
}

// Unverified reports whether something could not be verified: a check of
// the central test, or an account (its role could not be assumed, a call
// failed).
func (r *OrgResult) Unverified() bool {
	if r.Central.Unverified() {
		return true
	}
	for _, a := range r.Accounts {
		if a.Status == status.Error {
			return true
		}
	}
	return false
}

// Passed reports whether the central delivery and every forwarding path
// passed.
func (r *OrgResult) Passed() bool { return !r.Failed() && !r.Unverified() }

// Verdict is the result as the exit code says it, in the words of test's
// Verdict: "passed" (0), "failed" (1), "unverified" (2), "failed-unverified"
// (3). Degraded links count as failed here: a degraded path in one account
// among hundreds is what the security team must look at.
func (r *OrgResult) Verdict() string {
	switch f, u := r.Failed(), r.Unverified(); {
	case f && u:
		return "failed-unverified"
	case f:
		return "failed"
	case u:
		return "unverified"
	}
	return "passed"
}

// WriteOrgJSON writes the whole result: the central test and every account's
// every check.
func WriteOrgJSON(w io.Writer, r *OrgResult) error {
	if r.Accounts == nil {
		r.Accounts = []status.AccountReport{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Verdict string `json:"result"`
		*OrgResult
	}{r.Verdict(), r})
}

// WriteOrgText writes the central test as test writes it, then the
// forwarding paths: a row per problem (account, region, link, detail) and a
// count of the accounts whose path passed, or with verbose a row for those
// too. Readable at hundreds of accounts.
func WriteOrgText(w io.Writer, r *OrgResult, verbose bool) error {
	ew := &errWriter{w: w}
	ew.printf("Organization %s: central chain in account %s (bus %s)\n\n", r.Organization, r.CentralAccount, r.CentralBus)
	ew.printf("Central delivery (account %s):\n\n", r.CentralAccount)
	if ew.err != nil {
		return ew.err
	}
	if err := WriteText(w, r.Central); err != nil {
		return err
	}
	ew.printf("\nForwarding paths to the central bus (%d accounts; the same checks as status --org):\n", len(r.Accounts))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tROLE\tRESULT\tREGION\tLINK\tDETAIL")
	passed := 0
	for _, a := range r.Accounts {
		switch {
		case a.Error != "":
			fmt.Fprintf(tw, "%s\t%s\t%s\tERR\t-\t-\tcould not check: %s\n", a.Account.ID, a.Account.Name, a.Role, oneLine(a.Error))
		case a.Uncovered:
			fmt.Fprintf(tw, "%s\t%s\t%s\tFAIL\t-\t-\tno rootwatch forwarder: the account joined since the deploy, or was left out; fix: run 'rootwatch deploy --org'\n", a.Account.ID, a.Account.Name, a.Role)
		case a.Status == status.OK:
			passed++
			if verbose {
				fmt.Fprintf(tw, "%s\t%s\t%s\tPASS\t%s\t-\tevery link passed\n", a.Account.ID, a.Account.Name, a.Role, strings.Join(a.Report.Regions, ","))
			}
		default:
			first := true
			for _, c := range a.Report.Checks {
				if c.Status == status.OK && !verbose {
					continue
				}
				id, name, role := a.Account.ID, a.Account.Name, a.Role
				if !first {
					id, name, role = "", "", ""
				}
				first = false
				detail := c.Detail
				if c.Fix != "" && c.Status != status.OK {
					detail += "; fix: " + strings.Replace(c.Fix, "'rootwatch deploy'", "'rootwatch deploy --org'", 1)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, name, role, label(fromStatus(c.Status)), c.Region, c.Check, oneLine(detail))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.printf("(%d accounts: every link of the forwarding path passed)\n", passed)
	switch {
	case r.Passed():
		ew.printf("\nResult: the central delivery and every forwarding path passed.\n")
	case r.Failed() && r.Unverified():
		ew.printf("\nResult: FAILED: see the FAIL and WARN lines above; and not everything could be verified (ERR, N/V).\n")
	case r.Failed():
		ew.printf("\nResult: FAILED: see the FAIL and WARN lines above.\n")
	default:
		ew.printf("\nResult: not everything could be verified (ERR, N/V above); nothing failed.\n")
	}
	return ew.err
}

// oneLine keeps a detail on its table row.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
