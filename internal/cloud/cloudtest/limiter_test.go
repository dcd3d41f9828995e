package cloudtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// TestLimiterThrottlesAndRetries: a burst beyond the rate is throttled, retried
// with backoff, and fails with ErrThrottled once the attempts run out; other
// regions have buckets of their own.
func TestLimiterThrottlesAndRetries(t *testing.T) {
	ctx := context.Background()
	l := cloudtest.NewLimiter(cloudtest.Limits{
		Rate: map[string]float64{"events": 0.001}, Burst: 2,
		MaxAttempts: 2, BaseBackoff: time.Millisecond,
	})
	r := cloudtest.Record(fake.New())
	r.SetHook(l.Hook)
	ev := r.Events("us-east-1")
	for i := range 2 {
		if _, err := ev.Bus(ctx, "default"); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
	}
	_, err := ev.Bus(ctx, "default")
	if !errors.Is(err, cloud.ErrThrottled) {
		t.Fatalf("third call: err = %v, want ErrThrottled", err)
	}
	if _, err := r.Events("eu-west-1").Bus(ctx, "default"); err != nil {
		t.Errorf("another region: %v", err)
	}
	if _, err := r.Roles().Role(ctx, "nope"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("an unlimited service: err = %v, want the fake's not found", err)
	}
	if req, thr, failed := l.Stats(); req != 6 || thr != 2 || failed != 1 {
		t.Errorf("Stats = %d requests, %d throttled, %d failed; want 6, 2, 1", req, thr, failed)
	}
}
