package status

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// settingsRecord judges the settings record on the home bus b (chain.Settings,
// in its tags). Deploy writes it on every deploy; without it status cannot
// know which topic, addresses and regions the chain was deployed with, and it
// does not take the topic the alert rules point at instead (anyone who may
// edit a rule could re-point it, then untag the bus). So a chain without a
// record is checked against the options given (or the defaults), and this
// WARN says so, names the topic the rules point at when it is another, and
// gives the fix: deploy again with the original flags, which records them.
// A bus CloudFormation manages has no record by design (its templates cannot
// take --topic-arn, so the defaults are right): ok is false then, as when the
// record is there.
func (c *checker) settingsRecord(ctx context.Context, b cloud.Bus) (r Result, ok bool) {
	var lacking []string
	for _, k := range chain.RecordTags {
		if _, ok := b.Tags[k]; !ok {
			lacking = append(lacking, k)
		}
	}
	if len(lacking) == 0 || b.Tags[cloud.StackTag] != "" {
		return Result{}, false
	}
	region := c.spec.HomeRegion
	detail := fmt.Sprintf("bus %s records no deployment settings (its %s* tags were removed, or it was deployed before rootwatch recorded them): "+
		"checked against topic %s and the regions given, not against what was deployed", b.Name, strings.TrimSuffix(chain.TopicTag, "topic"), c.spec.Topic.ARN)
	if len(lacking) < len(chain.RecordTags) {
		// Deploy writes every tag: someone removed some (say the topic's,
		// so that status checks rootwatch's own topic instead).
		detail = fmt.Sprintf("bus %s's settings record lacks %s (someone removed it; deploy writes every tag): checked against topic %s and the regions given, "+
			"which may not be what was deployed", b.Name, strings.Join(lacking, ", "), c.spec.Topic.ARN)
	}
	if t := DeployedTopic(ctx, c.acct, c.spec); t != "" {
		detail += fmt.Sprintf("; the alert rules send to %s, which status does not adopt without a record", t)
	}
	cmd := chain.Settings{HomeRegion: region}
	if !c.spec.Topic.Managed {
		cmd.TopicARN = c.spec.Topic.ARN
	}
	fix := fmt.Sprintf("run '%s --email ADDR' with the flags the chain was deployed with (--topic-arn, --home-region, --regions, every --email): deploy records them on the bus again", cmd.DeployCommand())
	return Result{Region: region, Check: "settings-record", Status: Warn, Detail: detail, Fix: fix}, true
}

// unrecordedFixes points every deploy fix at the original flags when the
// settings record is missing: a bare 'rootwatch deploy' would re-target the
// alerts to rootwatch's own topic and reset the regions.
func unrecordedFixes(rs []Result) {
	if !slices.ContainsFunc(rs, func(r Result) bool { return r.Check == "settings-record" }) {
		return
	}
	for i, r := range rs {
		if r.Check != "settings-record" && strings.Contains(r.Fix, "'rootwatch deploy") {
			rs[i].Fix += " (with the flags the chain was deployed with: see settings-record)"
		}
	}
}
