package deploy

import (
	"context"
	"sync"
)

// RegionProgress hears, while a plan is computed, each region as its reading
// is done (or failed), with how many of the regions are done: a command's
// progress line. Calls come one at a time, from the planners' goroutines.
type RegionProgress func(region string, done, total int)

type progressKey struct{}

// WithRegionProgress returns ctx carrying f, which PlanDeploy (Prepare) and
// PlanDestroy call as they read each region. The hook travels in the context,
// as net/http/httptrace's do: it observes, and changes nothing planned.
func WithRegionProgress(ctx context.Context, f RegionProgress) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// regionCounter returns what a planner calls as each of total regions is
// read: ctx's RegionProgress with the count, or nothing.
func regionCounter(ctx context.Context, total int) func(region string) {
	f, _ := ctx.Value(progressKey{}).(RegionProgress)
	if f == nil {
		return func(string) {}
	}
	var mu sync.Mutex
	done := 0
	return func(region string) {
		mu.Lock()
		defer mu.Unlock()
		done++
		f(region, done, total)
	}
}
