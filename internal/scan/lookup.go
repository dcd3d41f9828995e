package scan

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloudtrail"
)

// Pacing is how LookupEvents is called in each region.
type Pacing struct {
	// Interval is the least time between two requests in one region (default
	// 500ms: LookupEvents allows 2 requests per second per region).
	Interval time.Duration
	// Backoff is the first wait after a throttling error (default 1s); each
	// further throttling doubles it, up to MaxBackoff (default 30s), and the
	// actual wait is drawn uniformly from [wait/2, wait] (jitter, so that
	// regions do not retry in step).
	Backoff, MaxBackoff time.Duration
	// Attempts is how many throttled attempts of one request are made before
	// the region is given up with an error (default 8).
	Attempts int
	// Clock is the pacing's time source (default: the system clock). Tests
	// inject one that counts instead of waiting.
	Clock Clock
}

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, and reports false if ctx ended first.
	Sleep(ctx context.Context, d time.Duration) bool
}

// systemClock is the real time.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (p Pacing) withDefaults() Pacing {
	if p.Interval <= 0 {
		p.Interval = 500 * time.Millisecond
	}
	if p.Backoff <= 0 {
		p.Backoff = time.Second
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 30 * time.Second
	}
	if p.Attempts <= 0 {
		p.Attempts = 8
	}
	if p.Clock == nil {
		p.Clock = systemClock{}
	}
	return p
}

// GlobalRegion is where CloudTrail records global services' events (IAM, STS's
// global endpoint, console sign-in): scan --lookup always reads it.
const GlobalRegion = "us-east-1"

// throttleCodes are the error codes AWS services use for throttling.
var throttleCodes = []string{
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled", "SlowDown",
	"ProvisionedThroughputExceededException",
}

// IsThrottle reports whether err means the call was throttled and may be
// retried later: an error that wraps cloud.ErrThrottled (the cloud
// implementations' way of saying it), or anything in its chain with an
// ErrorCode() method (the AWS SDK's smithy.APIError has one) returning one of
// AWS's throttling codes.
func IsThrottle(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, cloud.ErrThrottled) {
		return true
	}
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return slices.Contains(throttleCodes, coded.ErrorCode())
	}
	return false
}

// lookup reads the event history of every enabled region (with the global
// region always included), each region paced and backed off on its own.
func (s *scanner) lookup(ctx context.Context) {
	regions, err := s.o.Account.Regions(ctx)
	if err != nil {
		s.addError(&Error{Source: "lookup", Offset: -1, Err: fmt.Errorf("list enabled regions: %w", err)})
		return
	}
	var sel []string
	for _, r := range regions {
		if s.filter.region(r) || r == GlobalRegion {
			sel = append(sel, r)
		}
	}
	if !slices.Contains(sel, GlobalRegion) {
		sel = append(sel, GlobalRegion)
	}
	start, end := s.o.Since, s.o.Until
	if end.IsZero() {
		end = time.Now()
	}
	if start.IsZero() {
		start = end.Add(-90 * 24 * time.Hour)
	}
	p := s.o.LookupPacing.withDefaults()
	s.regions.Store(int64(len(sel)))
	var wg sync.WaitGroup
	for _, region := range sel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := s.newWorker()
			s.lookupRegion(ctx, w, region, start, end, p)
			s.merge(w)
			s.regionsDone.Add(1)
		}()
	}
	wg.Wait()
}

func (s *scanner) lookupRegion(ctx context.Context, w *worker, region string, start, end time.Time, p Pacing) {
	source := "lookup:" + region
	// The history is the caller's account's: --accounts applies to each
	// event (its recipientAccountId). --regions chose the regions read.
	w.only = filter{accounts: s.filter.accounts}
	trails := s.o.Account.Trails(region)
	var last time.Time
	pace := func(d time.Duration) bool {
		if wait := last.Add(d).Sub(p.Clock.Now()); wait > 0 && !p.Clock.Sleep(ctx, wait) {
			return false
		}
		last = p.Clock.Now()
		return true
	}
	token := ""
	var index int64
	for {
		var page cloud.LookupPage
		var err error
		backoff := p.Backoff
		for attempt := 1; ; attempt++ {
			if !pace(p.Interval) {
				return
			}
			page, err = trails.Lookup(ctx, start, end, token)
			if !IsThrottle(err) || attempt >= p.Attempts {
				break
			}
			// Back off: the wait counts from this request, and the pacing
			// interval still applies after it.
			jittered := backoff/2 + rand.N(backoff/2+1)
			if !pace(jittered) {
				return
			}
			backoff = min(2*backoff, p.MaxBackoff)
		}
		if err != nil {
			if ctx.Err() == nil {
				w.error(source, err)
			}
			return
		}
		for _, ev := range page.Events {
			s.historyEvents.Add(1)
			s.bytes.Add(int64(len(ev)))
			if err := w.record(source, index, []byte(ev), cloudtrail.KindRecord); err != nil {
				w.error(source, fmt.Errorf("event %d: %w", index, err))
			}
			index++
		}
		if page.Next == "" {
			return
		}
		token = page.Next
	}
}
