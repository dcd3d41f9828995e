package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// planPreflight checks that some trail lets EventBridge see root activity
// everywhere, or plans the trail --create-trail creates.
func planPreflight(ctx context.Context, acct cloud.Account, spec chain.Spec, o chain.Options, p *Plan, add func(Change)) error {
	trails, err := acct.Trails(spec.HomeRegion).Trails(ctx)
	if err != nil {
		return err
	}
	good, problems := chain.FitTrail(trails)
	switch {
	case good != nil:
		p.Notes = append(p.Notes, fmt.Sprintf("CloudTrail: trail %s logs management events of every region", good.Name))
		return nil
	case o.OrgTrail != "":
		p.Notes = append(p.Notes, fmt.Sprintf("CloudTrail: organization trail %s logs every account", o.OrgTrail))
		return nil
	case !o.CreateTrail:
		return &PreflightError{
			Problem: "CloudTrail pre-flight failed: no trail records root activity for EventBridge: " + strings.Join(problems, "; "),
			Hint: fmt.Sprintf("fix the trail (it must be logging, multi-region, include global service events, and record management events: All or WriteOnly), "+
				"or run deploy again with --create-trail to create the multi-region trail %q logging to the new S3 bucket %s", spec.Trail.Name, spec.Trail.Bucket),
		}
	}
	return planTrail(ctx, acct, spec, trails, add)
}

func planTrail(ctx context.Context, acct cloud.Account, spec chain.Spec, trails []cloud.Trail, add func(Change)) error {
	for _, t := range trails {
		if t.Name == spec.Trail.Name {
			return &PreflightError{
				Problem: fmt.Sprintf("trail %s exists but cannot be used (see above) and --create-trail will not replace it", t.Name),
				Hint:    fmt.Sprintf("fix trail %s, or delete it and run deploy --create-trail again", t.Name),
			}
		}
	}
	b := acct.Buckets()
	if _, err := b.BucketPolicy(ctx, spec.Trail.Bucket); errors.Is(err, cloud.ErrNotFound) {
		add(Change{Action: Create, Resource: KindBucket, Name: spec.Trail.Bucket, Detail: "CloudTrail log bucket with the CloudTrail bucket policy",
			Diff: policy.Diff("", spec.Trail.BucketPolicy),
			apply: func(ctx context.Context) error {
				return b.CreateBucket(ctx, spec.Trail.Bucket, spec.HomeRegion, spec.Trail.BucketPolicy, spec.Tags)
			}})
	} else if err != nil {
		return err
	} else {
		add(Change{Action: Unchanged, Resource: KindBucket, Name: spec.Trail.Bucket})
	}
	tr := acct.Trails(spec.HomeRegion)
	add(Change{Action: Create, Resource: KindTrail, Region: spec.HomeRegion, Name: spec.Trail.Name,
		Detail: "multi-region, global service events, all management events; starts logging",
		apply: func(ctx context.Context) error {
			_, err := tr.CreateTrail(ctx, cloud.TrailSpec{Name: spec.Trail.Name, Bucket: spec.Trail.Bucket, Tags: spec.Tags})
			return err
		}})
	return nil
}
