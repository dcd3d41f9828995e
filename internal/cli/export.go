package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/rootwatch/rootwatch/internal/cfn"
	"github.com/rootwatch/rootwatch/internal/chain"
)

// topicARNRefusal explains why export does not take --topic-arn.
const topicARNRefusal = "export cannot use --topic-arn: a CloudFormation AWS::SNS::TopicPolicy replaces the whole policy of the topic " +
	"(and a key policy in a template replaces the whole key policy), so a template would drop the statements of the topic's other publishers"

func runExport(ctx context.Context, env *Env, g *globals, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError("export needs a format: rootwatch export cloudformation --output-dir DIR")
	}
	if args[0] != "cloudformation" {
		return usageError("export: unknown format %q (known: cloudformation)", args[0])
	}
	fs := newFlagSet(env, g, "export")
	var emails listFlag
	var regions regionsFlag
	var dir, topicARN string
	o := cfn.Options{Version: Version}
	fs.StringVar(&dir, "output-dir", "", "write the templates and manifest.json into this directory (created if missing)")
	fs.Var(&emails, "email", "subscribe this e-mail address to the alerts (repeatable)")
	fs.Var(&regions, "regions", "forward from these regions (comma-separated; default: the account's enabled regions, which needs credentials; the home region is always included)")
	fs.StringVar(&o.HomeRegion, "home-region", chain.DefaultHomeRegion, "region of the topic, the rootwatch bus and the alert rules")
	fs.StringVar(&topicARN, "topic-arn", "", "refused: see the error it gives")
	var org exportOrgFlags
	org.register(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if err := org.check(fs); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("export cloudformation takes no arguments, got %q", fs.Args())
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	if topicARN != "" {
		return withHint(errors.New(topicARNRefusal),
			"export without --topic-arn (the home stack creates rootwatch's own topic; subscribe your endpoints to it), "+
				"or run 'rootwatch deploy --topic-arn ARN', which adds one statement to the topic's policy and keeps every other")
	}
	if dir == "" {
		return usageError("export cloudformation needs --output-dir DIR")
	}
	o.Emails = emails
	o.Regions = regions
	if regions == nil {
		acct, err := env.Connect(ctx, g.config())
		if err != nil {
			return withHint(err, "give --regions to export without AWS credentials")
		}
		if o.Regions, err = acct.Regions(ctx); err != nil {
			return fmt.Errorf("export: list enabled regions: %w", err)
		}
	}
	type file struct {
		name string
		data []byte
	}
	var files []file
	var m cfn.Manifest
	if org.on {
		oo, err := org.options(ctx, env, g, o)
		if err != nil {
			return err
		}
		e, err := cfn.RenderOrg(oo)
		if err != nil {
			return withHint(fmt.Errorf("export: %w; nothing was written", err), "run 'rootwatch export -h' for the options")
		}
		m = e.Manifest
		files = []file{{cfn.HomeTemplateFile, e.Home.JSON()}, {cfn.ForwarderFile, e.Forwarder.JSON()}, {cfn.WatchTemplateFile, e.Watch.JSON()}, {cfn.MemberTemplateFile, e.Member.JSON()}}
	} else {
		e, err := cfn.Render(o)
		if err != nil {
			return withHint(fmt.Errorf("export: %w; nothing was written", err), "run 'rootwatch export -h' for the options")
		}
		m = e.Manifest
		files = []file{{cfn.HomeTemplateFile, e.Home.JSON()}, {cfn.ForwarderFile, e.Forwarder.JSON()}, {cfn.WatchTemplateFile, e.Watch.JSON()}}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("export: encode manifest: %w", err)
	}
	manifest = append(manifest, '\n')
	files = append(files, file{cfn.ManifestFile, manifest})
	var names []string
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		names = append(names, f.name)
	}
	if g.output == "json" {
		_, err := env.Stdout.Write(manifest)
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	params := func(ps map[string]string) string {
		var out []string
		for k, v := range ps {
			out = append(out, k+"="+v)
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	if org.on {
		fmt.Fprintln(tw, "ORDER\tSTACK\tACCOUNT\tTEMPLATE\tREGIONS\tPARAMETERS")
		for _, s := range m.Stacks {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", s.Order, s.Name, s.Account, s.Template, strings.Join(s.Regions, ","), params(s.Parameters))
		}
		for _, s := range m.StackSets {
			fmt.Fprintf(tw, "%d\tStackSet %s\t%s\t%s\t%s\t%s\n", s.Order, s.Name, "OUs "+strings.Join(s.OrganizationalUnits, ",")+" less "+strings.Join(s.ExcludeAccounts, ","), s.Template, strings.Join(s.Regions, ","), params(s.Parameters))
		}
	} else {
		fmt.Fprintln(tw, "ORDER\tSTACK\tTEMPLATE\tREGIONS\tPARAMETERS")
		for _, s := range m.Stacks {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.Order, s.Name, s.Template, strings.Join(s.Regions, ","), params(s.Parameters))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s and %s to %s\n", strings.Join(names[:len(names)-1], ", "), names[len(names)-1], dir)
	for _, n := range m.Notes {
		fmt.Fprintf(env.Stdout, "note: %s\n", n)
	}
	return nil
}

// exportOrgFlags are export's organization options. Without
// --organization-id, --management-account or --org-units, export asks
// Organizations (with the management account's credentials).
type exportOrgFlags struct {
	on                   bool
	central, orgID, mgmt string
	units                regionsFlag // comma-separated OU or root IDs
}

func (f *exportOrgFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.on, "org", false, "export for every account of the organization: the central account's stacks, a SERVICE_MANAGED StackSet for the member accounts, stacks for the management account")
	fs.StringVar(&f.central, "central-account", "", "with --org: the account that holds the alert chain (default: the management account)")
	fs.StringVar(&f.orgID, "organization-id", "", "with --org: the organization (o-...; default: the caller's)")
	fs.StringVar(&f.mgmt, "management-account", "", "with --org: the management account (default: the caller's organization's)")
	fs.Var(&f.units, "org-units", "with --org: the OUs (or root) whose accounts the member StackSet covers, comma-separated (default: the organization's root)")
}

func (f *exportOrgFlags) check(fs *flag.FlagSet) error {
	if f.on {
		return nil
	}
	var stray string
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "central-account", "organization-id", "management-account", "org-units":
			if stray == "" {
				stray = "--" + fl.Name
			}
		}
	})
	if stray != "" {
		return usageError("%s only with --org", stray)
	}
	return nil
}

// options completes the organization options, asking Organizations for
// what the flags do not give.
func (f *exportOrgFlags) options(ctx context.Context, env *Env, g *globals, o cfn.Options) (cfn.OrgOptions, error) {
	oo := cfn.OrgOptions{Options: o, OrganizationID: f.orgID, Management: f.mgmt, Central: f.central, Units: f.units}
	if oo.OrganizationID != "" && oo.Management != "" && len(oo.Units) > 0 {
		return oo, nil
	}
	hint := "run with the management account's credentials, or give --organization-id, --management-account and --org-units"
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return oo, withHint(err, hint)
	}
	org, err := acct.Org().Describe(ctx)
	if err != nil {
		return oo, withHint(fmt.Errorf("export: describe organization: %w", err), hint)
	}
	if oo.OrganizationID == "" {
		oo.OrganizationID = org.ID
	}
	if oo.Management == "" {
		oo.Management = org.ManagementAccount
	}
	if len(oo.Units) == 0 {
		roots, err := acct.Org().Roots(ctx)
		if err != nil {
			return oo, withHint(fmt.Errorf("export: list organization roots: %w", err), hint)
		}
		for _, r := range roots {
			oo.Units = append(oo.Units, r.ID)
		}
	}
	return oo, nil
}
