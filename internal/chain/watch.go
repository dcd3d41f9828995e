package chain

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// What makes silence loud: a heartbeat from every forwarding region, and
// CloudWatch alarms in the home region that publish to the alert topic when
// EventBridge fails to deliver, when the home dead-letter queue holds a
// message, and when a region's heartbeat stops. See the README's "Silence is
// loud" section for the design and its limits.
const (
	// HeartbeatRuleName is the scheduled rule on each forwarding region's
	// default bus. Its target is the home bus, through the forwarder role,
	// exactly as the forwarding rule's.
	HeartbeatRuleName = "rootwatch-heartbeat"
	// HeartbeatSchedule is how often each region beats.
	HeartbeatSchedule = "rate(5 minutes)"
	// HeartbeatTargetID is the heartbeat rule's target.
	HeartbeatTargetID = "rootwatch-heartbeat-home-bus"
	// BeatRulePrefix + region names the rule on the home bus that matches
	// that region's beats; its MatchedEvents metric is the heartbeat.
	BeatRulePrefix = "rootwatch-heartbeat-"
	// HeartbeatWindow is how long a region may stay silent before its alarm
	// fires: three beats.
	HeartbeatWindow = 15 * time.Minute

	// AlarmPrefix starts the name of every alarm rootwatch deploys.
	AlarmPrefix = "rootwatch-"
	// FailedAlarmPrefix + rule pack ID names an alert rule's delivery alarm.
	FailedAlarmPrefix = "rootwatch-failed-"
	// DLQAlarmName is the alarm on the home dead-letter queue.
	DLQAlarmName = "rootwatch-dlq-not-empty"
	// HeartbeatAlarmPrefix + region names a region's heartbeat alarm.
	HeartbeatAlarmPrefix = "rootwatch-heartbeat-"
)

// Watch is what deploy adds so that a broken chain raises an alarm.
type Watch struct {
	// Heartbeats are the scheduled rules, one per forwarding region.
	Heartbeats []RuleSpec
	// Beats are the home bus's rules that match each region's beats; they
	// have no target (Target.ID is "").
	Beats []RuleSpec
	// Alarms are the home region's alarms, each publishing to the topic.
	Alarms []cloud.Alarm
}

// heartbeatARN is the ARN of the heartbeat rule in region r.
func (s *Spec) heartbeatARN(r string) string {
	return arn(s.Partition, "events", r, s.Account, "rule/"+HeartbeatRuleName)
}

// addWatch computes s.Watch from the forwarders, the alert rules and the topic.
func (s *Spec) addWatch() {
	home := s.HomeRegion
	alarm := func(name, desc, ns, metric string, dims map[string]string, stat string, period time.Duration, cmp cloud.Comparison, missing cloud.MissingData) cloud.Alarm {
		return cloud.Alarm{
			Name: name, Description: "rootwatch: " + desc,
			Namespace: ns, Metric: metric, Dimensions: dims, Statistic: stat,
			Period: period, EvaluationPeriods: 1, Threshold: 1, Comparison: cmp, TreatMissingData: missing,
			ActionsEnabled: true, AlarmActions: []string{s.Topic.ARN},
			Tags: s.Tags,
		}
	}
	for _, f := range s.Forwarders {
		if f.Account != s.Account {
			continue
		}
		hb := RuleSpec{
			Region:      f.Region,
			Bus:         cloud.DefaultBus,
			Name:        HeartbeatRuleName,
			ARN:         s.heartbeatARN(f.Region),
			Schedule:    HeartbeatSchedule,
			State:       cloud.RuleEnabled,
			Description: "rootwatch: heartbeat to the rootwatch bus in " + home + " (proves this region's forwarding path)",
			Target:      f.Rule.Target,
		}
		hb.Target.ID = HeartbeatTargetID
		s.Watch.Heartbeats = append(s.Watch.Heartbeats, hb)
		beat := BeatRulePrefix + f.Region
		s.Watch.Beats = append(s.Watch.Beats, RuleSpec{
			Region:      home,
			Bus:         BusName,
			Name:        beat,
			ARN:         arn(s.Partition, "events", home, s.Account, "rule/"+BusName+"/"+beat),
			Pattern:     `{"source":["aws.events"],"detail-type":["Scheduled Event"],"resources":["` + hb.ARN + `"]}`,
			State:       cloud.RuleEnabled,
			Description: "rootwatch: counts the heartbeats of " + f.Region,
		})
		s.Watch.Alarms = append(s.Watch.Alarms, alarm(HeartbeatAlarmPrefix+f.Region,
			"no heartbeat from "+f.Region+" for 15 minutes: its forwarding path (rule, role, home bus) is broken",
			cloud.NamespaceEvents, cloud.MetricMatchedEvents, map[string]string{"EventBusName": BusName, "RuleName": beat},
			"Sum", HeartbeatWindow, cloud.LessThan, cloud.MissingBreaching))
	}
	for _, ar := range s.AlertRules {
		s.Watch.Alarms = append(s.Watch.Alarms, alarm(FailedAlarmPrefix+ar.RuleID,
			"EventBridge failed to deliver an alert of rule "+ar.Name+" to the topic",
			cloud.NamespaceEvents, cloud.MetricFailedInvocations, map[string]string{"EventBusName": BusName, "RuleName": ar.Name},
			"Sum", 5*time.Minute, cloud.GreaterThanOrEqual, cloud.MissingNotBreaching))
	}
	s.Watch.Alarms = append(s.Watch.Alarms, alarm(DLQAlarmName,
		"the dead-letter queue "+DLQName+" in "+home+" holds alerts EventBridge could not deliver",
		cloud.NamespaceSQS, cloud.MetricMessagesVisible, map[string]string{"QueueName": DLQName},
		"Maximum", 5*time.Minute, cloud.GreaterThanOrEqual, cloud.MissingNotBreaching))
}

// AlarmDiffs names what differs between a deployed alarm and the wanted one
// (state, ARN and tags aside).
func AlarmDiffs(got, want cloud.Alarm) []string {
	var d []string
	if got.Namespace != want.Namespace || got.Metric != want.Metric || !maps.Equal(got.Dimensions, want.Dimensions) {
		d = append(d, "metric")
	}
	if got.Statistic != want.Statistic || got.Period != want.Period || got.EvaluationPeriods != want.EvaluationPeriods ||
		got.Threshold != want.Threshold || got.Comparison != want.Comparison {
		d = append(d, "condition")
	}
	if got.TreatMissingData != want.TreatMissingData {
		d = append(d, "missing data "+string(got.TreatMissingData))
	}
	if got.ActionsEnabled != want.ActionsEnabled {
		d = append(d, "actions disabled")
	}
	if !slices.Equal(got.AlarmActions, want.AlarmActions) {
		d = append(d, "actions "+strings.Join(got.AlarmActions, ","))
	}
	if got.Description != want.Description {
		d = append(d, "description")
	}
	return d
}

// JudgeAlarms judges the home region's alarms against the wanted ones: a
// missing alarm, or one that notifies nobody, leaves a break silent (FAIL);
// an alarm in ALARM says the chain is broken now (FAIL); other differences
// are WARN.
func JudgeAlarms(want, got []cloud.Alarm) Verdict {
	byName := map[string]cloud.Alarm{}
	for _, a := range got {
		byName[a.Name] = a
	}
	var missing, silent, firing, differ []string
	for _, w := range want {
		g, ok := byName[w.Name]
		switch {
		case !ok:
			missing = append(missing, w.Name)
		case !g.ActionsEnabled || !slices.Equal(g.AlarmActions, w.AlarmActions):
			silent = append(silent, w.Name)
		case g.State == cloud.AlarmAlarm:
			firing = append(firing, w.Name+" ("+strings.TrimPrefix(w.Description, "rootwatch: ")+")")
		case len(AlarmDiffs(g, w)) > 0:
			differ = append(differ, w.Name+": "+strings.Join(AlarmDiffs(g, w), ", "))
		}
	}
	switch {
	case len(missing) > 0:
		return fail(fmt.Sprintf("%d alarm(s) missing (%s): a broken delivery or a silent region raises nothing", len(missing), strings.Join(missing, ", ")), Redeploy)
	case len(silent) > 0:
		return fail(fmt.Sprintf("alarm(s) %s notify nobody (actions disabled or not the topic): a broken chain stays silent", strings.Join(silent, ", ")), Redeploy)
	case len(firing) > 0:
		return fail("in ALARM: "+strings.Join(firing, "; "), "find the cause (the other checks, the dead-letter queues), fix it, and the alarm returns to OK")
	case len(differ) > 0:
		return warn("alarm(s) differ from rootwatch's: "+strings.Join(differ, "; "), Redeploy)
	}
	return ok(fmt.Sprintf("%d alarms notify the topic; none in ALARM", len(want)))
}
