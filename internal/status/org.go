package status

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/fleet"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// redeployOrg is the fix for anything deploy --org sets up.
const redeployOrg = "run 'rootwatch deploy --org' to cover it"

// CheckForwarders checks what a member account of an organization holds:
// the forwarder role and each region's forwarder (spec from chain.MemberSpec).
func CheckForwarders(ctx context.Context, acct cloud.Account, spec chain.Spec, now time.Time) Report {
	c := &checker{acct: acct, spec: spec, now: now}
	var global []Result
	perRegion := make([][]Result, len(spec.Forwarders))
	var wg sync.WaitGroup
	wg.Go(func() { global = c.role(ctx) })
	for i, f := range spec.Forwarders {
		wg.Go(func() { perRegion[i] = c.forwarder(ctx, f) })
	}
	wg.Wait()
	rep := Report{Account: spec.Account, HomeRegion: spec.HomeRegion, Regions: []string{}, Status: OK, Checks: global}
	for i, f := range spec.Forwarders {
		rep.Regions = append(rep.Regions, f.Region)
		rep.Checks = append(rep.Checks, perRegion[i]...)
	}
	for _, r := range rep.Checks {
		rep.Status = rep.Status.Worse(r.Status)
	}
	return rep
}

// checkCentralBusPolicy checks that the central bus's policy is the one that
// lets the organization's forwarders in.
func checkCentralBusPolicy(ctx context.Context, acct cloud.Account, spec chain.Spec) Result {
	const check = "central-bus-policy"
	region := spec.HomeRegion
	b, err := acct.Events(region).Bus(ctx, spec.Bus.Name)
	switch {
	case missing(err):
		return Result{Region: region, Check: check, Status: Fail, Detail: "the central bus is missing", Fix: redeployOrg}
	case err != nil:
		return apiError(region, check, err)
	case b.Policy == "":
		return Result{Region: region, Check: check, Status: Fail,
			Detail: "the central bus has no policy: it refuses every other account's forwarders, so only this account raises alerts", Fix: redeployOrg}
	case !policy.Same(b.Policy, spec.Bus.Policy):
		return Result{Region: region, Check: check, Status: Fail,
			Detail: "the central bus policy is not rootwatch's: it may refuse the forwarders or let others inject events", Fix: redeployOrg}
	}
	return Result{Region: region, Check: check, Status: OK, Detail: "events:PutEvents for the organization's " + chain.ForwarderRoleName + " roles only"}
}

// OrgOptions say what status --org checks.
type OrgOptions struct {
	chain.Options // HomeRegion, Regions, TopicARN
	Central       string
	Selection     fleet.Selection
	Role          string
	Workers       int
	Progress      func(stage string, done, total int)
	// Resolve, when set, returns the options to check from the central
	// account and its enabled regions, and the settings deploy --org
	// recorded there (nil when none): the CLI's one settings helper, for
	// which an option given wins, even an empty --topic-arn= (rootwatch's
	// own topic), as in deploy. Without it, the record fills in what
	// Options leave empty (centralRecord).
	Resolve func(ctx context.Context, central cloud.Account, enabled []string) (chain.Options, *chain.Settings, error)
}

// AccountReport is one account's part of an organization report.
type AccountReport struct {
	Account cloud.OrgAccount `json:"account"`
	Role    string           `json:"role"` // "management" or "member"
	Status  Status           `json:"status"`
	// Uncovered says the account has no rootwatch forwarder at all (it
	// joined the organization since the deploy, or was left out).
	Uncovered bool    `json:"uncovered"`
	Report    *Report `json:"report,omitempty"`
	Error     string  `json:"error,omitempty"` // the account could not be checked
}

// OrgReport is status --org's report: the central chain, and every other
// account's forwarders.
type OrgReport struct {
	Organization string          `json:"organization"`
	Central      Report          `json:"central"`
	Accounts     []AccountReport `json:"accounts"`
	Status       Status          `json:"status"`
}

// Org is an organization deployment as the management account's credentials
// find it: the organization, its central chain, and the other selected
// accounts. status --org and test --org start from it.
type Org struct {
	ID         string // the organization's ID
	Management string // the management account's ID
	// Caller is the management account (the credentials given); Central the
	// central account, reached through the role.
	Caller, Central cloud.Account
	// CentralSpec is the central chain's desired state (WithOrg).
	CentralSpec chain.Spec
	// CentralAccount is the central account as Organizations lists it.
	CentralAccount cloud.OrgAccount
	// Record is the settings deploy --org recorded on the central bus; nil
	// when it records none.
	Record *chain.Settings
	// Others are the selected accounts other than the central one.
	Others []cloud.OrgAccount
	runner *fleet.Runner
	o      OrgOptions
}

// OpenOrg reads the organization and opens its central account from the
// management account's credentials (caller). An error says the organization
// or the central account cannot be read at all.
func OpenOrg(ctx context.Context, caller cloud.Account, o OrgOptions) (*Org, error) {
	id, err := caller.Identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	org, err := caller.Org().Describe(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe the organization: %w", err)
	}
	accounts, err := fleet.Select(ctx, caller.Org(), o.Selection)
	if err != nil {
		return nil, err
	}
	central := o.Central
	if central == "" {
		central = id.Account
	}
	runner := &fleet.Runner{Caller: caller, CallerID: id.Account, Role: o.Role, Workers: o.Workers}
	ca, err := runner.Open(ctx, central)
	if err != nil {
		return nil, fmt.Errorf("central account %s: %w", central, err)
	}
	cid, err := ca.Identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("central account %s: %w", central, err)
	}
	enabled, err := ca.Regions(ctx)
	if err != nil {
		return nil, fmt.Errorf("central account %s: list enabled regions: %w", central, err)
	}
	// The settings deploy --org recorded on the central bus are the
	// defaults, as for status; without a record the options given are
	// checked (the settings-record check says so), never the topic the
	// rules point at.
	var rec *chain.Settings
	if o.Resolve != nil {
		o.Options, rec, err = o.Resolve(ctx, ca, enabled)
	} else {
		rec, err = centralRecord(ctx, ca, &o)
	}
	if err != nil {
		return nil, fmt.Errorf("central account %s: %w", central, err)
	}
	cspec, err := chain.Desired(cid, enabled, o.Options)
	if err != nil {
		return nil, err
	}
	g := &Org{ID: org.ID, Management: org.ManagementAccount, Caller: caller, Central: ca, CentralSpec: cspec.WithOrg(org.ID),
		CentralAccount: cloud.OrgAccount{ID: central}, Record: rec, runner: runner, o: o}
	for _, a := range accounts {
		if a.ID != central {
			g.Others = append(g.Others, a)
		} else {
			g.CentralAccount = a
		}
	}
	return g, nil
}

// CheckOrg checks the organization deployment from the management account's
// credentials (caller). An error is returned only when the organization or
// the central account cannot be read at all.
func CheckOrg(ctx context.Context, caller cloud.Account, o OrgOptions, now time.Time) (OrgReport, error) {
	g, err := OpenOrg(ctx, caller, o)
	if err != nil {
		return OrgReport{}, err
	}
	cspec := g.CentralSpec
	rep := OrgReport{Organization: g.ID, Status: OK}
	rep.Central = CheckRecorded(ctx, g.Central, cspec, now, g.Record)
	// The central account's trail is the organization trail in the
	// management account: check that one instead.
	for i, c := range rep.Central.Checks {
		if c.Check == "trail" {
			rep.Central.Checks[i] = OrgTrail(ctx, caller, cspec.HomeRegion)
		}
	}
	rep.Central.Checks = append(rep.Central.Checks, checkCentralBusPolicy(ctx, g.Central, cspec))
	rep.Central.Status = OK
	for _, c := range rep.Central.Checks {
		rep.Central.Status = rep.Central.Status.Worse(c.Status)
	}
	rep.Accounts = g.CheckPaths(ctx, now)
	g.orgFixes(&rep) // org_record.go
	rep.Status = rep.Central.Status
	for _, a := range rep.Accounts {
		rep.Status = rep.Status.Worse(a.Status)
	}
	return rep, nil
}

// CheckPaths checks every other account's forwarding path to the central
// bus: its forwarder role (trust, and events:PutEvents on the central bus),
// each region's forwarding rule, target and dead-letter queue, and the
// central bus policy's admission of its forwarder role (check
// central-admission, evaluated for that role in the organization).
func (g *Org) CheckPaths(ctx context.Context, now time.Time) []AccountReport {
	cspec := g.CentralSpec
	admission := g.admission(ctx)
	if g.o.Progress != nil {
		g.runner.Progress = func(done, total int) { g.o.Progress("checked", done, total) }
	}
	results := fleet.Run(ctx, g.runner, g.Others, func(ctx context.Context, a cloud.OrgAccount, acct cloud.Account) (Report, error) {
		aid, err := acct.Identity(ctx)
		if err != nil {
			return Report{}, err
		}
		en, err := acct.Regions(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("list enabled regions: %w", err)
		}
		spec, _ := chain.MemberSpec(cspec, aid, en, g.o.Regions)
		r := CheckForwarders(ctx, acct, spec, now)
		r.Account = a.ID
		adm := admission(a.ID)
		r.Checks = append(r.Checks, adm)
		r.Status = r.Status.Worse(adm.Status)
		return r, nil
	})
	var out []AccountReport
	for _, r := range results {
		ar := AccountReport{Account: r.Account, Role: "member"}
		if r.Account.ID == g.Management {
			ar.Role = "management"
		}
		if r.Err != nil {
			ar.Status, ar.Error = Error, r.Err.Error()
		} else {
			rr := r.Value
			ar.Report, ar.Status = &rr, rr.Status
			ar.Uncovered = uncovered(rr)
		}
		out = append(out, ar)
	}
	return out
}

// admission reads the central bus policy once and returns the judge of each
// account's admission.
func (g *Org) admission(ctx context.Context) func(account string) Result {
	const check = "central-admission"
	s := g.CentralSpec
	region := s.HomeRegion
	b, err := g.Central.Events(region).Bus(ctx, s.Bus.Name)
	switch {
	case missing(err):
		r := Result{Region: region, Check: check, Status: Fail, Detail: "the central bus " + s.Bus.ARN + " is missing: nothing is forwarded", Fix: redeployOrg}
		return func(string) Result { return r }
	case err != nil:
		r := apiError(region, check, err)
		return func(string) Result { return r }
	}
	return func(account string) Result {
		return result(region, check, chain.JudgeAdmission(s.Partition, b.ARN, b.Policy, account, g.ID))
	}
}

// uncovered says a member report found no rootwatch forwarder at all.
func uncovered(r Report) bool {
	for _, c := range r.Checks {
		if (c.Check == "forward-rule" || c.Check == "forwarder-role") && !strings.Contains(c.Detail, "missing") {
			return false
		}
	}
	return true
}

// OrgTrail checks the management account's organization trails: in
// organization mode, the trail link of the central chain.
func OrgTrail(ctx context.Context, mgmt cloud.Account, region string) Result {
	trails, err := mgmt.Trails(region).Trails(ctx)
	if err != nil {
		return apiError(region, "trail", err)
	}
	var org []cloud.Trail
	for _, t := range trails {
		if t.Organization {
			org = append(org, t)
		}
	}
	if len(org) == 0 {
		return Result{Region: region, Check: "trail", Status: Fail, Detail: "the management account has no organization trail: EventBridge sees no root activity of member accounts that have no trail of their own",
			Fix: "create an organization trail in the management account"}
	}
	return result(region, "trail", chain.JudgeTrails(org))
}

// Errors returns the API errors behind the organization report's errors,
// and one per account that could not be checked.
func (r OrgReport) Errors() []error {
	errs := r.Central.Errors()
	for _, a := range r.Accounts {
		if a.Error != "" {
			errs = append(errs, fmt.Errorf("account %s: %s", a.Account.ID, a.Error))
		} else if a.Report != nil {
			errs = append(errs, a.Report.Errors()...)
		}
	}
	return errs
}

// WriteOrgTable writes the organization report: the central chain as status
// writes it, then one row per account with problems (each problem: region,
// check, detail) and a count of the healthy ones. Readable at hundreds of
// accounts.
func WriteOrgTable(w io.Writer, r OrgReport) error {
	fmt.Fprintf(w, "Organization %s: central chain in account %s\n\n", r.Organization, r.Central.Account)
	if err := WriteTable(w, r.Central); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nForwarders of the other %d accounts:\n", len(r.Accounts))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tSTATUS\tREGION\tCHECK\tDETAIL")
	healthy := 0
	for _, a := range r.Accounts {
		switch {
		case a.Error != "":
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\tcould not check: %s\n", a.Account.ID, a.Account.Name, "ERROR", oneLine(a.Error))
		case a.Uncovered:
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\tno rootwatch forwarder: the account joined since the deploy, or was left out; fix: %s\n", a.Account.ID, a.Account.Name, "UNCOVERED", redeployOrg)
		case a.Status == OK:
			healthy++
		default:
			first := true
			for _, c := range a.Report.Checks {
				if c.Status == OK {
					continue
				}
				id, name, st := a.Account.ID, a.Account.Name, strings.ToUpper(string(c.Status))
				if !first {
					id, name = "", ""
				}
				first = false
				detail := c.Detail
				if c.Fix != "" {
					detail += "; fix: " + strings.Replace(c.Fix, "'rootwatch deploy'", "'rootwatch deploy --org'", 1)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", id, name, st, c.Region, c.Check, oneLine(detail))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(%d accounts healthy)\n", healthy)
	_, err := fmt.Fprintln(w, OrgSummary(r))
	return err
}

// OrgSummary is the organization report in one line.
func OrgSummary(r OrgReport) string {
	n := map[string]int{}
	for _, a := range r.Accounts {
		switch {
		case a.Error != "":
			n["could not be checked"]++
		case a.Uncovered:
			n["uncovered"]++
		case a.Status == OK:
			n["healthy"]++
		default:
			n["degraded"]++
		}
	}
	var parts []string
	for _, k := range []string{"could not be checked", "uncovered", "degraded", "healthy"} {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	if len(parts) == 0 {
		parts = []string{"no other account"}
	}
	verdict := map[Status]string{OK: "healthy", Warn: "degraded", Fail: "degraded"}[r.Status]
	if verdict == "" {
		verdict = "could not check everything"
	}
	return fmt.Sprintf("%s: central chain %s; other accounts: %s", verdict, strings.ToUpper(string(r.Central.Status)), strings.Join(parts, ", "))
}

// WriteOrgJSON writes the full organization report (every account's checks).
func WriteOrgJSON(w io.Writer, r OrgReport) error {
	if r.Accounts == nil {
		r.Accounts = []AccountReport{}
	}
	slices.SortStableFunc(r.Accounts, func(a, b AccountReport) int { return strings.Compare(a.Account.ID, b.Account.ID) })
	b, err := json.MarshalIndent(struct {
		Result string `json:"result"`
		OrgReport
	}{r.Result(), r}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Result is the organization's verdict as Report.Result words it, over the
// central chain and every account (an uncovered account is degraded).
func (r OrgReport) Result() string {
	all := Report{Checks: slices.Clone(r.Central.Checks)}
	for _, a := range r.Accounts {
		all.Checks = append(all.Checks, Result{Status: a.Status})
		if a.Uncovered {
			all.Checks = append(all.Checks, Result{Status: Fail})
		}
		if a.Report != nil {
			all.Checks = append(all.Checks, a.Report.Checks...)
		}
	}
	if r.Status == Error {
		all.Checks = append(all.Checks, Result{Status: Error})
	}
	return all.Result()
}
