package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// KindAlarm is a CloudWatch alarm in a plan.
const KindAlarm = "cloudwatch-alarm"

// planAlarms plans the home region's alarms: create the missing, replace the
// changed, delete rootwatch's alarms that are no longer wanted (a region left
// out, a rule gone from the pack).
func planAlarms(ctx context.Context, acct cloud.Account, spec chain.Spec, add func(Change)) error {
	home := spec.HomeRegion
	cw := acct.Alarms(home)
	existing, err := cw.Alarms(ctx, chain.AlarmPrefix)
	if err != nil {
		return fmt.Errorf("describe alarms in %s: %w", home, err)
	}
	byName := map[string]cloud.Alarm{}
	for _, a := range existing {
		byName[a.Name] = a
	}
	for _, want := range spec.Watch.Alarms {
		put := func(ctx context.Context) error { return cw.PutAlarm(ctx, want) }
		cur, ok := byName[want.Name]
		switch {
		case !ok:
			add(Change{Action: Create, Resource: KindAlarm, Region: home, Name: want.Name, Detail: alarmDetail(want), apply: put})
		case len(chain.AlarmDiffs(cur, want)) > 0:
			add(Change{Action: Update, Resource: KindAlarm, Region: home, Name: want.Name, Detail: strings.Join(chain.AlarmDiffs(cur, want), ", "), apply: put})
		default:
			add(Change{Action: Unchanged, Resource: KindAlarm, Region: home, Name: want.Name})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		cur := byName[name]
		if !managed(cur.Tags) || slices.ContainsFunc(spec.Watch.Alarms, func(a cloud.Alarm) bool { return a.Name == name }) {
			continue
		}
		add(Change{Action: Delete, Resource: KindAlarm, Region: home, Name: name, Detail: "not wanted any more",
			apply: func(ctx context.Context) error { return cw.DeleteAlarms(ctx, []string{name}) }})
	}
	return nil
}

func alarmDetail(a cloud.Alarm) string {
	return fmt.Sprintf("%s %s %s %s %g over %s, missing data %s -> %s", a.Namespace, a.Metric, a.Statistic, a.Comparison, a.Threshold, a.Period, a.TreatMissingData, strings.Join(a.AlarmActions, ","))
}
