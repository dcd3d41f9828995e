package selftest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// accepting answers every API destination's request with 200.
type accepting struct{}

func (accepting) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}, Request: r}, nil
}

// deployedWithChannels is deployed with two channels whose endpoints accept
// every request.
func deployedWithChannels(t *testing.T) (*fake.Account, chain.Spec) {
	t.Helper()
	var chs []channel.Channel
	for kind, url := range map[channel.Kind]string{
		channel.Slack:   "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
		channel.Webhook: "https://alerts.example.com/rootwatch",
	} {
		c, err := channel.Parse(kind, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		chs = append(chs, c)
	}
	return deployedWith(t, &http.Client{Transport: accepting{}}, chs)
}

// TestNotifyFailEveryMutation: whichever of test --notify's calls fails,
// before reaching AWS or with its answer lost after AWS acted (a Ctrl-C or
// SIGTERM in the middle of the call), nothing temporary is left unless the
// result says so: every removal is registered before its create.
func TestNotifyFailEveryMutation(t *testing.T) {
	o := opts()
	o.Notify, o.NotifyWait = true, 10*time.Millisecond
	// The calls of --notify, counted from a clean run.
	a, spec := deployedWithChannels(t)
	rec := cloudtest.Record(a)
	if res, err := Run(context.Background(), rec, spec, o); err != nil || !res.Passed() || len(res.Channels) != 2 {
		t.Fatalf("a clean run: %v, channels %+v, passed %v", err, res.Channels, err == nil && res.Passed())
	}
	first := -1
	for i, m := range rec.Mutations() {
		if strings.Contains(m, "notify") && first < 0 {
			first = i + 1
		}
	}
	last := len(rec.Mutations())
	if first < 0 {
		t.Fatalf("no call of --notify among %v", rec.Mutations())
	}
	for _, after := range []bool{false, true} {
		for n := first; n <= last; n++ {
			t.Run(fmt.Sprintf("answer lost %v/%d", after, n), func(t *testing.T) {
				a, spec := deployedWithChannels(t)
				before := topicPolicy(t, a, spec)
				rec := cloudtest.Record(a)
				if after {
					rec.FailMutationAfter(n)
				} else {
					rec.FailMutation(n)
				}
				res, err := Run(context.Background(), rec, spec, o)
				if err != nil {
					t.Fatal(err)
				}
				injected := rec.Injected()
				if len(injected) != 1 {
					t.Fatalf("injected %v, want one failure", injected)
				}
				left := append(leftovers(t, a, spec, before), notifyQueuesLeft(t, a, len(spec.Channels))...)
				if len(left) > 0 && len(res.CleanupErrors) == 0 {
					t.Errorf("injected %v: left behind %v without saying so", injected, left)
				}
				if len(left) == 0 && len(res.CleanupErrors) > 0 {
					t.Errorf("injected %v: cleanup errors %v but nothing left", injected, res.CleanupErrors)
				}
			})
		}
	}
}

// notifyQueuesLeft lists --notify's temporary dead-letter queues that exist.
func notifyQueuesLeft(t *testing.T, acct cloud.Account, channels int) []string {
	t.Helper()
	var left []string
	for i := range channels + 1 {
		name := fmt.Sprintf("%snotify-%s-%d", chain.SelfTestRulePrefix, nonce, i)
		if q, err := acct.Queues(home).Queue(context.Background(), name); err == nil {
			left = append(left, "queue "+q.URL)
		}
	}
	return left
}
