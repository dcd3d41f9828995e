package cloudtest

import (
	"context"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func (r *Recorder) Alarms(region string) cloud.Alarms {
	return &recAlarms{r: r, region: region, next: r.next.Alarms(region)}
}

type recAlarms struct {
	r      *Recorder
	region string
	next   cloud.Alarms
}

func (a *recAlarms) PutAlarm(ctx context.Context, al cloud.Alarm) error {
	return a.r.do("PutAlarm", a.region, al.Name, func() error { return a.next.PutAlarm(ctx, al) })
}
func (a *recAlarms) Alarms(ctx context.Context, prefix string) (as []cloud.Alarm, err error) {
	err = a.r.do("Alarms", a.region, prefix+"*", func() (x error) { as, x = a.next.Alarms(ctx, prefix); return })
	return
}
func (a *recAlarms) DeleteAlarms(ctx context.Context, names []string) error {
	return a.r.do("DeleteAlarms", a.region, strings.Join(names, ","), func() error { return a.next.DeleteAlarms(ctx, names) })
}

func (t *recTopics) ConfirmSubscription(ctx context.Context, topicARN, token string) (sub string, err error) {
	// The token is a secret of the subscription: it is not recorded.
	err = t.r.do("ConfirmSubscription", t.region, topicARN, func() (x error) { sub, x = t.next.ConfirmSubscription(ctx, topicARN, token); return })
	return
}

func (s *recRoles) ManagedPolicy(ctx context.Context, arn string) (doc string, err error) {
	err = s.r.do("ManagedPolicy", "global", arn, func() (x error) { doc, x = s.next.ManagedPolicy(ctx, arn); return })
	return
}
