//go:build unix

package cli

import (
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// blockReceive makes the test's wait for its message block until the context
// ends, and calls onWait the first time.
type blockReceive struct {
	cloud.Account
	once   sync.Once
	onWait func()
}

func (a *blockReceive) Queues(region string) cloud.Queues {
	return &blockQueues{Queues: a.Account.Queues(region), a: a}
}

type blockQueues struct {
	cloud.Queues
	a *blockReceive
}

func (q *blockQueues) Receive(ctx context.Context, url string, max int, wait, visibility time.Duration) ([]cloud.Message, error) {
	if strings.Contains(url, chain.SelfTestRulePrefix) {
		q.a.once.Do(q.a.onWait)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return q.Queues.Receive(ctx, url, max, wait, visibility)
}

// TestSIGTERMDuringTest: SIGTERM while `test` waits ends it as Ctrl-C does:
// exit 130, reported as interrupted, and no temporary resource left.
func TestSIGTERMDuringTest(t *testing.T) {
	f := fake.New()
	if err := f.PutTrail(cloud.Trail{Name: "org", HomeRegion: "us-east-1", Bucket: "org-logs", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCmd(t, f, nil, "deploy", "--regions", "eu-west-1", "--email", "sec@example.com"); code != 0 {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errs)
	}
	before := f.Dump()
	a := &blockReceive{Account: f, onWait: func() {
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
			t.Error(err)
		}
	}}
	code, out, errs := runCmd(t, a, nil, "test", "--timeout", "1m")
	if code != ExitInterrupted || !strings.Contains(errs, "rootwatch: interrupted") {
		t.Errorf("exit %d, want %d and 'interrupted'\n%s%s", code, ExitInterrupted, out, errs)
	}
	if !strings.Contains(out, "all removed") {
		t.Errorf("the output does not say the temporary resources were removed:\n%s", out)
	}
	if after := f.Dump(); after != before {
		t.Errorf("the account changed (left behind):\n--- before\n%s\n--- after\n%s", before, after)
	}
}
