package cloudtest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// ObjectDeleter is implemented by accounts that can delete S3 objects; Cleanup
// needs it to empty the suite's buckets on an endpoint that is not reset
// between tests (real AWS).
type ObjectDeleter interface {
	DeleteObject(bucket, key string) error
}

// Cleanup deletes, best effort, everything the suite creates (names starting
// with "rw-" in Home and Remote, the suite's role, buckets and trail), for
// endpoints that are not reset between tests. It returns the errors it met,
// not-found ones aside.
func Cleanup(ctx context.Context, a cloud.Account) error {
	var errs []error
	keep := func(err error) {
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	id, err := a.Identity(ctx)
	if err != nil {
		return err
	}
	for _, region := range []string{Home, Remote} {
		ev := a.Events(region)
		for _, bus := range []string{cloud.DefaultBus, "rw-test"} {
			rules, err := ev.Rules(ctx, bus, "rw-")
			keep(err)
			for _, r := range rules {
				ts, err := ev.Targets(ctx, bus, r.Name)
				keep(err)
				var ids []string
				for _, t := range ts {
					ids = append(ids, t.ID)
				}
				if len(ids) > 0 {
					keep(ev.RemoveTargets(ctx, bus, r.Name, ids))
				}
				keep(ev.DeleteRule(ctx, bus, r.Name))
			}
		}
		keep(ev.DeleteBus(ctx, "rw-test"))
		sns := a.Topics(region)
		for _, name := range []string{"rw-alerts", "rw-feed", "rw-encrypted", "rw-alarm-topic", "rw-confirm"} {
			keep(sns.DeleteTopic(ctx, "arn:"+id.Partition+":sns:"+region+":"+id.Account+":"+name))
		}
		if als, err := a.Alarms(region).Alarms(ctx, "rw-"); err == nil {
			var names []string
			for _, al := range als {
				names = append(names, al.Name)
			}
			if len(names) > 0 {
				keep(a.Alarms(region).DeleteAlarms(ctx, names))
			}
		} else {
			keep(err)
		}
		sqs := a.Queues(region)
		for _, name := range []string{"rw-dlq", "rw-inbox", "rw-raw", "rw-envelope"} {
			if q, err := sqs.Queue(ctx, name); err == nil {
				keep(sqs.DeleteQueue(ctx, q.URL))
			}
		}
		keep(cleanupDestinations(ctx, a.Destinations(region)))
		ct := a.Trails(region)
		if ts, err := ct.Trails(ctx); err == nil {
			for _, t := range ts {
				if strings.HasPrefix(t.Name, "rw-") && t.HomeRegion == region {
					keep(ct.DeleteTrail(ctx, t.Name))
				}
			}
		}
	}
	iam := a.Roles()
	keep(iam.DeleteRolePolicy(ctx, "rw-forwarder", "rw-put-events"))
	keep(iam.DeleteRole(ctx, "rw-forwarder"))
	keep(iam.DeleteRole(ctx, "rw-invoker"))
	s3 := a.Buckets()
	for _, b := range []string{"rw-test-", "rw-plain-", "rw-logs-", "rw-trail-", "rw-paging-"} {
		name := b + id.Account
		if b == "rw-trail-" {
			name += "-" + Home
		}
		if del, ok := a.(ObjectDeleter); ok {
			token := ""
			for {
				p, err := s3.List(ctx, name, "", "", token)
				if err != nil {
					keep(err)
					break
				}
				for _, o := range p.Objects {
					keep(del.DeleteObject(name, o.Key))
				}
				if p.Next == "" {
					break
				}
				token = p.Next
			}
		}
		keep(s3.DeleteBucket(ctx, name))
	}
	if len(errs) > 0 {
		return fmt.Errorf("clean up the conformance suite's resources: %w", errors.Join(errs...))
	}
	return nil
}
