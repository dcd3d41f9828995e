package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/ctgen"
)

// The LookupEvents path is tested against internal/cloud/fake, not moto:
// moto_server 5.2.1 does not serve CloudTrail LookupEvents
// (TestMotoHasNoLookupEvents checks that claim, so that it notices the day
// moto gains it). The fake reproduces what scan must cope with: small pages
// with next tokens, ThrottlingException on demand (wrapping
// cloud.ErrThrottled), and a separate history per region.

// tickClock is a pacing clock that waits for nothing: Sleep advances its time
// at once, so that the pacing is measured in its ticks, not in wall time.
type tickClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *tickClock) Sleep(ctx context.Context, d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return ctx.Err() == nil
}

// recorder wraps an account to record when, by clock, each region's Lookup is
// called.
type recorder struct {
	cloud.Account
	clock *tickClock
	mu    sync.Mutex
	calls map[string][]time.Time
}

func (r *recorder) Trails(region string) cloud.Trails {
	return &recordingTrails{trails: r.Account.Trails(region), inner: r.Account.Trails(region), r: r, region: region}
}

type trails = cloud.Trails

type recordingTrails struct {
	trails
	inner  cloud.Trails
	r      *recorder
	region string
}

func (t *recordingTrails) Lookup(ctx context.Context, start, end time.Time, token string) (cloud.LookupPage, error) {
	t.r.mu.Lock()
	t.r.calls[t.region] = append(t.r.calls[t.region], t.r.clock.Now())
	t.r.mu.Unlock()
	return t.inner.Lookup(ctx, start, end, token)
}

func TestLookup(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	acct := fake.NewWith(fake.Options{Regions: []string{"eu-west-1", "us-east-1", "us-west-2"}, PageSize: 3})
	g := ctgen.New(1, 1)
	const id = "111111111111"
	want := map[string]string{}
	add := func(region string, rec []byte, kind string) {
		if err := acct.AddEvents(region, string(rec)); err != nil {
			t.Fatal(err)
		}
		if kind != "" {
			want[ctgen.EventID(rec)] = kind
		}
	}
	for i := 0; i < 10; i++ {
		at := now.Add(-time.Duration(i) * time.Hour)
		for _, region := range []string{"eu-west-1", "us-east-1", "us-west-2"} {
			add(region, g.Background(at, id, region), "")
		}
	}
	// Global events are in us-east-1; a root API call in eu-west-1; a
	// look-alike in us-west-2; the same sign-in seen in two regions is
	// reported once.
	signIn := string(g.Root(ctgen.ConsoleSignInNoMFA, now.Add(-2*time.Hour), id, "us-east-1"))
	add("us-east-1", []byte(signIn), ctgen.ConsoleSignInNoMFA)
	add("eu-west-1", []byte(signIn), "")
	add("eu-west-1", g.Root(ctgen.APICall, now.Add(-3*time.Hour), id, "eu-west-1"), ctgen.APICall)
	add("us-west-2", g.LookAlike(ctgen.IAMUserNamedRoot, now.Add(-4*time.Hour), id, "us-west-2"), "")
	// Outside --since: not reported.
	add("us-east-1", g.Root(ctgen.PasswordUpdated, now.Add(-30*24*time.Hour), id, "us-east-1"), "")
	acct.ThrottleLookups("eu-west-1", 3)

	// LookupEvents' real pacing (2 requests per second per region, 1s first
	// backoff), on a clock that does not wait.
	clock := &tickClock{now: now}
	rec := &recorder{Account: acct, clock: clock, calls: map[string][]time.Time{}}
	const interval, backoff = 500 * time.Millisecond, time.Second
	res := scanT(t, nil, Options{
		Lookup: true, Account: rec, Since: now.Add(-7 * 24 * time.Hour), Until: now,
		LookupPacing: Pacing{Interval: interval, Backoff: backoff, Clock: clock},
	})
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	if diff := cmp.Diff(want, findingKinds(res)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(res.Findings) != len(want) {
		t.Errorf("%d findings, want %d (the sign-in seen in two regions once)", len(res.Findings), len(want))
	}
	// Pages of 3: us-east-1 and us-west-2 have 11 events in the window (4
	// pages), eu-west-1 12 (4 pages) plus the 3 throttled attempts. (The
	// spacing is TestLookupPacing's: one clock shared by three regions would
	// let one region's waits stand for another's.)
	wantCalls := map[string]int{"us-east-1": 4, "us-west-2": 4, "eu-west-1": 4 + 3}
	for region, n := range wantCalls {
		if calls := rec.calls[region]; len(calls) != n {
			t.Errorf("%s: %d Lookup calls, want %d", region, len(calls), n)
		}
	}
	if res.Stats.HistoryEvents != 11+12+11 {
		t.Errorf("%d events read", res.Stats.HistoryEvents)
	}
}

// TestLookupPacing counts the ticks of a clock that does not wait, in one
// region, at LookupEvents' real pacing (2 requests per second, 1s first
// backoff): every request starts exactly the interval after the previous one,
// and a throttled one is retried after its jittered backoff (half to all of
// 1s, 2s, 4s) and then the interval.
func TestLookupPacing(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	acct := fake.NewWith(fake.Options{Regions: []string{"us-east-1"}, PageSize: 3})
	g := ctgen.New(3, 3)
	for i := range 10 {
		if err := acct.AddEvents("us-east-1", string(g.Background(now.Add(-time.Duration(i)*time.Hour), "111111111111", "us-east-1"))); err != nil {
			t.Fatal(err)
		}
	}
	acct.ThrottleLookups("us-east-1", 3)
	clock := &tickClock{now: now}
	rec := &recorder{Account: acct, clock: clock, calls: map[string][]time.Time{}}
	const interval, backoff = 500 * time.Millisecond, time.Second
	res := scanT(t, nil, Options{
		Lookup: true, Account: rec, Since: now.Add(-24 * time.Hour), Until: now,
		LookupPacing: Pacing{Interval: interval, Backoff: backoff, Clock: clock},
	})
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	calls := rec.calls["us-east-1"]
	if len(calls) != 3+4 {
		t.Fatalf("%d Lookup calls, want 3 throttled and 4 pages", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		lo, hi := interval, interval
		if i <= 3 {
			lo += (backoff << (i - 1)) / 2
			hi += backoff << (i - 1)
		}
		if d := calls[i].Sub(calls[i-1]); d < lo || d > hi {
			t.Errorf("calls %d and %d %v apart, want %v to %v", i-1, i, d, lo, hi)
		}
	}
}

// TestLookupGivesUp: a region that stays throttled is given up with one error
// after the attempts; the other regions are still read. --regions limits the
// regions read, but us-east-1 (global events) is always read.
func TestLookupGivesUp(t *testing.T) {
	now := time.Now().UTC()
	acct := fake.NewWith(fake.Options{Regions: []string{"eu-west-1", "us-east-1", "us-west-2"}})
	g := ctgen.New(2, 2)
	rootEvent := g.Root(ctgen.ConsoleSignInMFA, now.Add(-time.Hour), "111111111111", "us-east-1")
	acct.AddEvents("us-east-1", string(rootEvent))
	acct.ThrottleLookups("eu-west-1", 100)
	clock := &tickClock{now: now}
	rec := &recorder{Account: acct, clock: clock, calls: map[string][]time.Time{}}
	res := scanT(t, nil, Options{
		Lookup: true, Account: rec, Regions: []string{"eu-west-1"},
		LookupPacing: Pacing{Attempts: 4, Clock: clock},
	})
	if len(res.Errors) != 1 || res.Errors[0].Source != "lookup:eu-west-1" || !IsThrottle(res.Errors[0]) {
		t.Errorf("errors: %v; want one throttling error for lookup:eu-west-1", res.Errors)
	}
	if len(res.Findings) != 1 || res.Findings[0].Rule.ID != ctgen.ConsoleSignInMFA {
		t.Errorf("findings: %+v", res.Findings)
	}
	regions := []string{}
	for r := range rec.calls {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	if diff := cmp.Diff([]string{"eu-west-1", "us-east-1"}, regions); diff != "" {
		t.Errorf("regions read (-want +got):\n%s", diff)
	}
	if n := len(rec.calls["eu-west-1"]); n != 4 {
		t.Errorf("eu-west-1: %d attempts, want 4", n)
	}
}

type codedError struct{ code string }

func (e codedError) Error() string     { return e.code + ": something" }
func (e codedError) ErrorCode() string { return e.code }

func TestIsThrottle(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("ThrottlingException"), false}, // text is not enough
		{fmt.Errorf("lookup: %w", cloud.ErrThrottled), true},
		{fake.ErrThrottling, true},
		{fmt.Errorf("lookup events in eu-west-1: %w", codedError{"ThrottlingException"}), true},
		{codedError{"TooManyRequestsException"}, true},
		{codedError{"AccessDeniedException"}, false},
		{fmt.Errorf("x: %w", cloud.ErrNotFound), false},
	} {
		if got := IsThrottle(tt.err); got != tt.want {
			t.Errorf("IsThrottle(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestMotoHasNoLookupEvents checks the claim the tests above rest on: moto
// does not serve LookupEvents. If it starts to, this test fails, and the
// LookupEvents path should be tested against it too.
func TestMotoHasNoLookupEvents(t *testing.T) {
	t.Parallel()
	tg := awstest.Endpoint(t)
	if tg.Kind != awstest.Moto {
		t.Skipf("endpoint is %s, not moto", tg.Kind)
	}
	ctx := context.Background()
	acct, err := awscloud.ConnectWith(ctx, cloud.Config{EndpointURL: tg.URL, Region: "us-east-1"}, awscloud.Options{Credentials: tg.Creds})
	if err != nil {
		t.Fatal(err)
	}
	_, err = acct.Trails("us-east-1").Lookup(ctx, time.Now().Add(-time.Hour), time.Now(), "")
	if err == nil {
		t.Fatal("moto answered LookupEvents: test the LookupEvents path against it")
	}
	if !errors.Is(err, cloud.ErrUnsupported) {
		t.Errorf("moto's LookupEvents error %v does not wrap cloud.ErrUnsupported", err)
	}
	t.Logf("moto's answer: %v", err)
}
