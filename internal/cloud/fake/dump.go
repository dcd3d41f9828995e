package fake

import (
	"fmt"
	"slices"
	"strings"
)

// Dump describes everything the account holds, one resource per line, sorted:
// buses, rules, targets, topics, subscriptions, queues, customer keys, trails,
// roles and their policies, buckets and objects. Generated identifiers
// (subscription ARNs, key IDs, message IDs) are left out, so two accounts that
// went through different histories to the same end state dump the same text.
// Tests compare dumps to show convergence, and search them for
// "rootwatch:managed" to show that nothing is left behind.
func (a *Account) Dump() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	for _, r := range a.regions {
		rs := a.region[r]
		for _, b := range rs.buses {
			if b.name != "default" || b.policy != "" || len(b.tags) > 0 {
				add("%s bus %s policy=%s tags=%v", r, b.name, b.policy, b.tags)
			}
			for _, rl := range b.rules {
				add("%s rule %s/%s state=%s pattern=%s description=%q tags=%v", r, b.name, rl.r.Name, rl.r.State, rl.r.Pattern, rl.r.Description, rl.r.Tags)
				for _, t := range rl.targets {
					input := ""
					if t.Input != nil {
						input = fmt.Sprintf("%v %s", t.Input.Paths, t.Input.Template)
					}
					add("%s target %s/%s/%s arn=%s role=%s dlq=%s attempts=%d age=%s input=%s", r, b.name, rl.r.Name, t.ID, t.ARN, t.RoleARN, t.DeadLetterARN, t.MaxAttempts, t.MaxAge, input)
				}
			}
		}
		for _, tp := range rs.topics {
			add("%s topic %s kms=%s policy=%s tags=%v", r, tp.arn, tp.kmsKey, tp.policy, tp.tags)
			for _, s := range tp.subs {
				add("%s subscription %s %s:%s pending=%v raw=%v", r, tp.arn, s.protocol, s.endpoint, s.arn == "", s.raw)
			}
		}
		if c := a.cw[r]; c != nil {
			for _, al := range c.alarms {
				add("%s alarm %s %s/%s %v actions=%v tags=%v", r, al.a.Name, al.a.Namespace, al.a.Metric, al.a.Dimensions, al.a.AlarmActions, al.tags)
			}
		}
		for _, q := range rs.queues {
			add("%s queue %s messages=%d policy=%s tags=%v", r, q.name, len(q.msgs), q.policy, q.tags)
		}
		for alias, id := range rs.aliases {
			if k := rs.keys[id]; !k.awsManaged {
				add("%s key %s policy=%s", r, alias, k.policy)
			}
		}
		for _, k := range rs.keys {
			if !k.awsManaged && !slices.Contains(mapValues(rs.aliases), k.id) {
				add("%s key (no alias) policy=%s", r, k.policy)
			}
		}
		for _, t := range rs.trails {
			add("%s trail %s bucket=%s multi=%v global=%v org=%v logging=%v management=%s tags=%v", r, t.t.Name, t.t.Bucket, t.t.MultiRegion, t.t.GlobalEvents, t.t.Organization, t.t.Logging, t.t.Management, t.t.Tags)
		}
	}
	for _, rl := range a.roles {
		add("global role %s trust=%s description=%q tags=%v", rl.r.Name, rl.r.Trust, rl.r.Description, rl.r.Tags)
		for name, p := range rl.policies {
			add("global role-policy %s/%s %s", rl.r.Name, name, p)
		}
		for _, arn := range rl.attached {
			add("global role-attached %s %s", rl.r.Name, arn)
		}
	}
	for _, b := range a.buckets {
		add("global bucket %s region=%s policy=%s tags=%v", b.name, b.region, b.policy, b.tags)
		for k, data := range b.objects {
			add("global object %s/%s size=%d", b.name, k, len(data))
		}
	}
	slices.Sort(lines)
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
