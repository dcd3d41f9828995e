package awscloud_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
)

// TestKeyState (issue 9 case 7): the adapter reads a key's state as KMS
// reports it after DisableKey, EnableKey and ScheduleKeyDeletion, and status's
// judgement of a topic encrypted with it follows.
func TestKeyState(t *testing.T) {
	t.Parallel()
	if awstest.Endpoint(t).Kind == awstest.RealAWS {
		t.Skip("creates a KMS key, which AWS deletes only after a waiting period of at least 7 days")
	}
	a, tg := openTarget(t)
	ctx := context.Background()
	c := kms.NewFromConfig(sdkConfig(t, tg))
	granted := `{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"},{"Sid":"RootwatchEventBridgeKMS","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*"}]}`
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(granted)})
	if err != nil {
		t.Fatal(err)
	}
	id := out.KeyMetadata.KeyId
	topic := cloud.Topic{ARN: "arn:aws:sns:us-east-1:123456789012:t", KMSKeyID: aws.ToString(id)}
	steps := []struct {
		name  string
		do    func() error
		state cloud.KeyState
		judge chain.Status
	}{
		{"created", func() error { return nil }, cloud.KeyEnabled, chain.OK},
		{"disabled", func() error { _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: id}); return err }, cloud.KeyDisabled, chain.Fail},
		{"enabled", func() error { _, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: id}); return err }, cloud.KeyEnabled, chain.OK},
		{"scheduled for deletion", func() error {
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)})
			return err
		}, cloud.KeyPendingDeletion, chain.Fail},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		k, err := a.Keys(cloudtest.Home).Key(ctx, aws.ToString(id))
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if k.State != s.state {
			t.Errorf("%s: state %q, want %q", s.name, k.State, s.state)
		}
		if v := chain.JudgeKey(topic, k, true); v.Status != s.judge {
			t.Errorf("%s: judged %s (%s), want %s", s.name, v.Status, v.Detail, s.judge)
		}
	}
}
