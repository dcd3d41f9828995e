package awscloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type keys struct {
	c      *kms.Client
	region string
}

// Key describes a key by alias, key ID or ARN, with its default policy.
func (s *keys) Key(ctx context.Context, id string) (cloud.Key, error) {
	out, err := s.c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		return cloud.Key{}, errorf(err, "describe key %s in %s", id, s.region)
	}
	md := out.KeyMetadata
	k := cloud.Key{ID: aws.ToString(md.KeyId), ARN: aws.ToString(md.Arn), AWSManaged: md.KeyManager == types.KeyManagerTypeAws,
		State: cloud.KeyState(md.KeyState)}
	pol, err := s.c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String("default")})
	if err != nil {
		return cloud.Key{}, errorf(err, "get policy of key %s in %s", id, s.region)
	}
	k.Policy = aws.ToString(pol.Policy)
	return k, nil
}

func (s *keys) PutKeyPolicy(ctx context.Context, keyID, policy string) error {
	_, err := s.c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"), Policy: aws.String(policy)})
	if err != nil {
		return errorf(err, "put policy of key %s in %s", keyID, s.region)
	}
	return nil
}
