package cli

import (
	"context"
	"encoding/json"
	"errors"
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
	if err := parseFlags(fs, args[1:]); err != nil {
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
	e, err := cfn.Render(o)
	if err != nil {
		return withHint(fmt.Errorf("export: %w; nothing was written", err), "run 'rootwatch export -h' for the options")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	manifest, err := json.MarshalIndent(e.Manifest, "", "  ")
	if err != nil {
		return fmt.Errorf("export: encode manifest: %w", err)
	}
	manifest = append(manifest, '\n')
	for _, f := range []struct {
		name string
		data []byte
	}{
		{cfn.HomeTemplateFile, e.Home.JSON()},
		{cfn.ForwarderFile, e.Forwarder.JSON()},
		{cfn.ManifestFile, manifest},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if g.output == "json" {
		_, err := env.Stdout.Write(manifest)
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tSTACK\tTEMPLATE\tREGIONS\tPARAMETERS")
	for _, s := range e.Manifest.Stacks {
		var params []string
		for k, v := range s.Parameters {
			params = append(params, k+"="+v)
		}
		sort.Strings(params)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.Order, s.Name, s.Template, strings.Join(s.Regions, ","), strings.Join(params, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s, %s and %s to %s\n", cfn.HomeTemplateFile, cfn.ForwarderFile, cfn.ManifestFile, dir)
	for _, n := range e.Manifest.Notes {
		fmt.Fprintf(env.Stdout, "note: %s\n", n)
	}
	return nil
}
