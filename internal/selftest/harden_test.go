package selftest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// editsDuringTest adds a statement of someone else's to the topic policy right
// after the test extends it, as a colleague (or deploy) might meanwhile.
type editsDuringTest struct {
	cloud.Account
	f    *fake.Account
	once sync.Once
}

func (a *editsDuringTest) Topics(region string) cloud.Topics {
	return &editTopics{Topics: a.Account.Topics(region), a: a}
}

type editTopics struct {
	cloud.Topics
	a *editsDuringTest
}

const colleagueSid = "ColleagueAddedThisMeanwhile"

func (t *editTopics) SetTopicPolicy(ctx context.Context, arn, policy string) error {
	if err := t.Topics.SetTopicPolicy(ctx, arn, policy); err != nil {
		return err
	}
	var err error
	t.a.once.Do(func() {
		edited := strings.Replace(policy, `"Statement":[`, `"Statement":[{"Sid":"`+colleagueSid+`","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sns:Publish","Resource":"`+arn+`"},`, 1)
		err = t.a.f.ForceTopicPolicy(arn, edited)
	})
	return err
}

// TestRemovesOnlyItsOwnStatementChange: test takes its temporary rule out of
// the topic statement again and keeps what others changed meanwhile (it used
// to write back a snapshot of the whole policy).
func TestRemovesOnlyItsOwnStatementChange(t *testing.T) {
	f, spec := deployed(t)
	a := &editsDuringTest{Account: f, f: f}
	res, err := Run(context.Background(), a, spec, opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CleanupErrors) > 0 {
		t.Fatalf("cleanup errors: %v", res.CleanupErrors)
	}
	after := topicPolicy(t, f, spec)
	if !strings.Contains(after, colleagueSid) {
		t.Errorf("the colleague's statement was lost:\n%s", after)
	}
	if strings.Contains(after, chain.SelfTestRulePrefix) {
		t.Errorf("the temporary rule is still in the topic policy:\n%s", after)
	}
}

func TestShrinkStatement(t *testing.T) {
	const arn = "arn:aws:events:us-east-1:123456789012:rule/rootwatch/rootwatch-selftest-x"
	in := `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Deny"},{"Sid":"S","Condition":{"ArnEquals":{"aws:SourceArn":["a","` + arn + `"]}}}]}`
	out, changed, err := shrinkStatement(in, "S", arn)
	if err != nil || !changed || strings.Contains(out, arn) || !strings.Contains(out, `"Sid":"Other","Effect":"Deny"`) || !strings.Contains(out, `"a"`) {
		t.Errorf("shrink: %s, %v, %v", out, changed, err)
	}
	again, changed, err := shrinkStatement(out, "S", arn)
	if err != nil || changed || again != out {
		t.Errorf("shrink again changed %v: %s, %v", changed, again, err)
	}
	if _, _, err := shrinkStatement("{", "S", arn); err == nil {
		t.Error("a malformed policy was accepted")
	}
}
