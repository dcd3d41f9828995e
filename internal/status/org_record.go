package status

import (
	"context"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// centralRecord reads the settings deploy --org recorded on the central bus
// and makes them o's defaults: the topic and the regions, unless o gives
// them. It returns nil when the bus records none.
func centralRecord(ctx context.Context, central cloud.Account, o *OrgOptions) (*chain.Settings, error) {
	home := o.HomeRegion
	if home == "" {
		home = chain.DefaultHomeRegion
	}
	rec, ok, err := Recorded(ctx, central, home)
	if err != nil || !ok {
		return nil, err
	}
	if o.TopicARN == "" {
		o.TopicARN = rec.TopicARN
	}
	if o.Regions == nil {
		o.Regions = rec.Regions
	}
	return &rec, nil
}

// DeployCommand is the deploy --org command line that repeats the settings
// that matter for a fix: the central account given, and the topic, home
// region and regions recorded (or, without a record, none).
func (g *Org) DeployCommand() string {
	cmd := "rootwatch deploy --org"
	if g.o.Central != "" {
		cmd += " --central-account " + g.o.Central
	}
	if g.Record != nil {
		cmd += strings.TrimPrefix(g.Record.DeployCommand(), "rootwatch deploy")
	}
	return cmd
}

// orgFixes points every fix of rep that says to run deploy (the central
// chain's and every account's) at g's deploy --org command line: a plain
// deploy in the central account would not cover the organization, and one
// without the recorded flags would re-target or narrow it.
func (g *Org) orgFixes(rep *OrgReport) {
	plain := "rootwatch deploy"
	if g.Record != nil {
		plain = g.Record.DeployCommand() // CheckRecorded's rewrite
	}
	cmd := g.DeployCommand()
	fix := func(rs []Result) {
		for i, r := range rs {
			switch {
			case strings.Contains(r.Fix, "'rootwatch deploy --org"):
			case strings.Contains(r.Fix, "'"+plain):
				rs[i].Fix = strings.ReplaceAll(r.Fix, "'"+plain, "'"+cmd)
			default: // a member's fix, or a line CheckRecorded left alone
				rs[i].Fix = strings.ReplaceAll(r.Fix, "'rootwatch deploy", "'"+cmd)
			}
		}
	}
	fix(rep.Central.Checks)
	for _, a := range rep.Accounts {
		if a.Report != nil {
			fix(a.Report.Checks)
		}
	}
}
