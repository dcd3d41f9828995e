package cloudtest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func testKeys(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	kms := a.Keys(Home)
	_, err := kms.Key(ctx, "alias/no-such-key")
	wantNotFound(t, "Key(missing alias)", err)
	_, err = kms.Key(ctx, "11111111-2222-4333-8444-555555555555")
	wantNotFound(t, "Key(missing ID)", err)
	gaps.skip(t, GapAWSManagedKeys)
	k, err := kms.Key(ctx, "alias/aws/sns")
	check(t, "Key(alias/aws/sns)", err)
	if !k.AWSManaged || k.State != cloud.KeyEnabled || k.ID == "" || !strings.HasPrefix(k.ARN, "arn:aws:kms:"+Home+":") {
		t.Errorf("Key(alias/aws/sns) = %+v, want an AWS-managed key", k)
	}
	byID, err := kms.Key(ctx, k.ID)
	check(t, "Key(by ID)", err)
	byARN, err := kms.Key(ctx, k.ARN)
	check(t, "Key(by ARN)", err)
	if byID.ARN != k.ARN || byARN.ARN != k.ARN {
		t.Errorf("Key by ID/ARN = %s / %s, want %s", byID.ARN, byARN.ARN, k.ARN)
	}
	if k.Policy != "" {
		var p map[string]any
		if err := json.Unmarshal([]byte(k.Policy), &p); err != nil {
			t.Errorf("key policy is not JSON: %v", err)
		}
	}
}
