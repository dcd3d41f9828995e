package fake

import (
	"context"
	"fmt"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type key struct {
	id         string
	arn        string
	awsManaged bool
	policy     string
	state      cloud.KeyState
}

type keys struct {
	a      *Account
	region string
}

// addAWSManagedKey adds the AWS-managed key alias/aws/<service> with the
// policy AWS gives it: only the service itself, on behalf of the account, may
// use it. EventBridge therefore cannot.
func (a *Account) addAWSManagedKey(rs *regionState, service string) {
	id := a.nextID("")
	k := &key{
		id:         id,
		arn:        "arn:aws:kms:" + rs.name + ":" + a.id + ":key/" + id,
		awsManaged: true,
		state:      cloud.KeyEnabled,
		policy: `{"Version":"2012-10-17","Id":"auto-` + service + `-2","Statement":[{"Sid":"Allow access through ` + strings.ToUpper(service) + ` for all principals in the account that are authorized to use ` + strings.ToUpper(service) + `","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Decrypt","kms:GenerateDataKey*","kms:CreateGrant","kms:ListGrants","kms:DescribeKey"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"` + a.id + `","kms:ViaService":"` + service + `.` + rs.name + `.amazonaws.com"}}},` +
			`{"Sid":"Allow direct access to key metadata to the account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + a.id + `:root"},"Action":["kms:Describe*","kms:Get*","kms:List*","kms:RevokeGrant"],"Resource":"*"}]}`,
	}
	rs.keys[id] = k
	rs.aliases["alias/aws/"+service] = id
}

// resolve finds a key by alias, alias ARN, key ID or key ARN.
func (rs *regionState) resolve(id string) (*key, bool) {
	if arnService(id) == "kms" {
		id = arnResource(id) // "key/<id>" or "alias/<name>"
		id = strings.TrimPrefix(id, "key/")
	}
	if strings.HasPrefix(id, "alias/") {
		kid, ok := rs.aliases[id]
		if !ok {
			return nil, false
		}
		id = kid
	}
	k, ok := rs.keys[id]
	return k, ok
}

func (s *keys) Key(ctx context.Context, id string) (cloud.Key, error) {
	op := fmt.Sprintf("describe key %s in %s", id, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return cloud.Key{}, fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	k, ok := rs.resolve(id)
	if !ok {
		return cloud.Key{}, fmt.Errorf("%s: %w", op, notFound("NotFoundException: Key '%s' does not exist", id))
	}
	return cloud.Key{ID: k.id, ARN: k.arn, AWSManaged: k.awsManaged, Policy: k.policy, State: k.state}, nil
}

// PutKeyPolicy replaces a customer-managed key's policy. AWS-managed keys'
// policies cannot change.
func (s *keys) PutKeyPolicy(ctx context.Context, keyID, policy string) error {
	op := fmt.Sprintf("put policy of key %s in %s", keyID, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	k, ok := rs.resolve(keyID)
	if !ok || strings.HasPrefix(keyID, "alias/") {
		return fmt.Errorf("%s: %w", op, notFound("NotFoundException: Key '%s' does not exist", keyID))
	}
	if k.awsManaged {
		return fmt.Errorf("%s: AccessDeniedException: the policy of an AWS managed key cannot be changed", op)
	}
	if err := validPolicy(policy); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	k.policy = policy
	return nil
}

// CreateKey adds a customer-managed key with the given policy (and alias, if
// not "") in region, and returns it.
func (a *Account) CreateKey(region, alias, policy string) (cloud.Key, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[region]
	if !ok {
		return cloud.Key{}, fmt.Errorf("create key in %s: %w", region, errRegion)
	}
	if policy != "" {
		if err := validPolicy(policy); err != nil {
			return cloud.Key{}, fmt.Errorf("create key in %s: %w", region, err)
		}
	}
	if alias != "" {
		if !strings.HasPrefix(alias, "alias/") || strings.HasPrefix(alias, "alias/aws/") {
			return cloud.Key{}, fmt.Errorf("create alias %s in %s: ValidationException: invalid alias name", alias, region)
		}
		if _, ok := rs.aliases[alias]; ok {
			return cloud.Key{}, fmt.Errorf("create alias %s in %s: %w", alias, region, exists("AlreadyExistsException: alias %s", alias))
		}
	}
	id := a.nextID("")
	k := &key{id: id, arn: "arn:aws:kms:" + region + ":" + a.id + ":key/" + id, policy: policy, state: cloud.KeyEnabled}
	rs.keys[id] = k
	if alias != "" {
		rs.aliases[alias] = id
	}
	return cloud.Key{ID: k.id, ARN: k.arn, Policy: k.policy, State: k.state}, nil
}

// SetKeyState puts a customer-managed key in state, as kms:DisableKey,
// kms:EnableKey, kms:ScheduleKeyDeletion and kms:CancelKeyDeletion do (the
// last leaves it Disabled, as AWS does). AWS-managed keys refuse.
func (a *Account) SetKeyState(region, keyID string, state cloud.KeyState) error {
	op := fmt.Sprintf("set state of key %s in %s to %s", keyID, region, state)
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[region]
	if !ok {
		return fmt.Errorf("%s: %w", op, errRegion)
	}
	k, ok := rs.resolve(keyID)
	if !ok {
		return fmt.Errorf("%s: %w", op, notFound("NotFoundException: Key '%s' does not exist", keyID))
	}
	if k.awsManaged {
		return fmt.Errorf("%s: AccessDeniedException: an AWS managed key's state cannot be changed", op)
	}
	switch state {
	case cloud.KeyEnabled, cloud.KeyDisabled, cloud.KeyPendingDeletion:
	default:
		return fmt.Errorf("%s: the fake does not model that state", op)
	}
	k.state = state
	return nil
}

// usable is KMS's refusal of a key that is not Enabled.
func (k *key) usable() error {
	switch k.state {
	case cloud.KeyEnabled:
		return nil
	case cloud.KeyPendingDeletion:
		return fmt.Errorf("KMS.KMSInvalidStateException: %s is pending deletion", k.arn)
	default:
		return fmt.Errorf("KMS.DisabledException: %s is disabled", k.arn)
	}
}
