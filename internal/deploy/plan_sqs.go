package deploy

import (
	"context"
	"errors"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

func planQueue(ctx context.Context, acct cloud.Account, q chain.QueueSpec, tags cloud.Tags, add func(Change)) error {
	queues := acct.Queues(q.Region)
	cur, err := queues.Queue(ctx, q.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		add(Change{Action: Create, Resource: KindQueue, Region: q.Region, Name: q.Name, Detail: "dead-letter queue; policy lets this region's rootwatch rules send",
			apply: func(ctx context.Context) error {
				_, err := queues.CreateQueue(ctx, q.Name, q.Policy, tags)
				return err
			}})
	case err != nil:
		return err
	case !policy.Same(cur.Policy, q.Policy):
		add(Change{Action: Unchanged, Resource: KindQueue, Region: q.Region, Name: q.Name})
		add(Change{Action: Update, Resource: KindQueuePolicy, Region: q.Region, Name: q.Name, Diff: policy.Diff(cur.Policy, q.Policy),
			apply: func(ctx context.Context) error { return queues.SetQueuePolicy(ctx, cur.URL, q.Policy) }})
	default:
		add(Change{Action: Unchanged, Resource: KindQueue, Region: q.Region, Name: q.Name})
	}
	return nil
}
