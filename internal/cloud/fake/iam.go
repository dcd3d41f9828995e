package fake

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type role struct {
	r        cloud.Role
	policies map[string]string
	attached []string // ARNs of the managed policies attached (see AttachRolePolicy)
}

type roles struct{ a *Account }

// lockGlobal takes the account's lock for a global service.
func (a *Account) lockGlobal(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	return nil
}

func noSuchRole(name string) error {
	return notFound("NoSuchEntity: The role with name %s cannot be found", name)
}

func noSuchRolePolicy(name string) error {
	return notFound("NoSuchEntity: The role policy with name %s cannot be found", name)
}

// withRole runs f on the role called name under the account's lock; the
// errors of the lock, the lookup and f are wrapped with op.
func (s *roles) withRole(ctx context.Context, op, name string, f func(*role) error) error {
	if err := s.a.lockGlobal(ctx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	r, ok := s.a.roles[name]
	if !ok {
		return fmt.Errorf("%s: %w", op, noSuchRole(name))
	}
	if err := f(r); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func (s *roles) Role(ctx context.Context, name string) (cloud.Role, error) {
	if err := s.a.lockGlobal(ctx); err != nil {
		return cloud.Role{}, fmt.Errorf("get role %s: %w", name, err)
	}
	defer s.a.mu.Unlock()
	r, ok := s.a.roles[name]
	if !ok {
		return cloud.Role{}, fmt.Errorf("get role %s: %w", name, noSuchRole(name))
	}
	c := r.r
	c.Tags = cloneTags(c.Tags)
	return c, nil
}

func (s *roles) CreateRole(ctx context.Context, in cloud.Role) (string, error) {
	op := fmt.Sprintf("create role %s", in.Name)
	if err := s.a.lockGlobal(ctx); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	if !validName(in.Name, 64, "+=,.@_-") {
		return "", fmt.Errorf("%s: ValidationError: invalid role name", op)
	}
	if _, ok := s.a.roles[in.Name]; ok {
		return "", fmt.Errorf("%s: %w", op, exists("EntityAlreadyExists: Role with name %s already exists", in.Name))
	}
	if err := validPolicy(in.Trust); err != nil {
		return "", fmt.Errorf("%s: assume-role policy: %w", op, err)
	}
	if b := in.PermissionsBoundary; b != "" {
		if _, ok := s.a.managed[b]; !ok {
			return "", fmt.Errorf("%s: %w", op, notFound("NoSuchEntity: Policy %s does not exist or is not attachable", b))
		}
	}
	r := &role{r: in, policies: map[string]string{}}
	r.r.ARN = "arn:aws:iam::" + s.a.id + ":role/" + in.Name
	r.r.Tags = cloneTags(in.Tags)
	s.a.roles[in.Name] = r
	return r.r.ARN, nil
}

func (s *roles) UpdateTrust(ctx context.Context, name, trust string) error {
	return s.withRole(ctx, "update assume-role policy of role "+name, name, func(r *role) error {
		if err := validPolicy(trust); err != nil {
			return err
		}
		r.r.Trust = trust
		return nil
	})
}

func (s *roles) RolePolicy(ctx context.Context, roleName, name string) (string, error) {
	var p string
	err := s.withRole(ctx, fmt.Sprintf("get policy %s of role %s", name, roleName), roleName, func(r *role) error {
		var ok bool
		if p, ok = r.policies[name]; !ok {
			return noSuchRolePolicy(name)
		}
		return nil
	})
	return p, err
}

func (s *roles) PutRolePolicy(ctx context.Context, roleName, name, policy string) error {
	return s.withRole(ctx, fmt.Sprintf("put policy %s of role %s", name, roleName), roleName, func(r *role) error {
		if !validName(name, 128, "+=,.@_-") {
			return errors.New("ValidationError: invalid policy name")
		}
		if err := validPolicy(policy); err != nil {
			return err
		}
		r.policies[name] = policy
		return nil
	})
}

func (s *roles) DeleteRolePolicy(ctx context.Context, roleName, name string) error {
	return s.withRole(ctx, fmt.Sprintf("delete policy %s of role %s", name, roleName), roleName, func(r *role) error {
		if _, ok := r.policies[name]; !ok {
			return noSuchRolePolicy(name)
		}
		delete(r.policies, name)
		return nil
	})
}

// DeleteRole deletes a role; as IAM, it refuses while inline or attached
// policies remain.
func (s *roles) DeleteRole(ctx context.Context, name string) error {
	return s.withRole(ctx, fmt.Sprintf("delete role %s", name), name, func(r *role) error {
		if len(r.policies) > 0 {
			names := make([]string, 0, len(r.policies))
			for n := range r.policies {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("DeleteConflict: Cannot delete entity, must delete policies first (%v)", names)
		}
		if len(r.attached) > 0 {
			return fmt.Errorf("DeleteConflict: Cannot delete entity, must detach all policies first (%v)", r.attached)
		}
		delete(s.a.roles, name)
		return nil
	})
}

// CreateManagedPolicy creates a customer managed policy (as an administrator
// would; the cloud interface only reads them) and returns its ARN.
func (a *Account) CreateManagedPolicy(name, document string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := validPolicy(document); err != nil {
		return "", fmt.Errorf("create policy %s: MalformedPolicyDocument: %w", name, err)
	}
	arn := "arn:aws:iam::" + a.id + ":policy/" + name
	if a.managed == nil {
		a.managed = map[string]string{}
	}
	if _, ok := a.managed[arn]; ok {
		return "", fmt.Errorf("create policy %s: %w", name, exists("EntityAlreadyExists: A policy called %s already exists", name))
	}
	a.managed[arn] = document
	return arn, nil
}

// SetRoleBoundary sets or (with "") removes a role's permissions boundary, as
// iam:PutRolePermissionsBoundary and iam:DeleteRolePermissionsBoundary do.
func (a *Account) SetRoleBoundary(name, policyARN string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.roles[name]
	if !ok {
		return fmt.Errorf("set permissions boundary of role %s: %w", name, noSuchRole(name))
	}
	if _, ok := a.managed[policyARN]; policyARN != "" && !ok {
		return fmt.Errorf("set permissions boundary of role %s: %w", name, notFound("NoSuchEntity: policy %s", policyARN))
	}
	r.r.PermissionsBoundary = policyARN
	return nil
}

func (s *roles) ManagedPolicy(ctx context.Context, arn string) (string, error) {
	if err := s.a.lockGlobal(ctx); err != nil {
		return "", fmt.Errorf("get policy %s: %w", arn, err)
	}
	defer s.a.mu.Unlock()
	doc, ok := s.a.managed[arn]
	if !ok {
		return "", fmt.Errorf("get policy %s: %w", arn, notFound("NoSuchEntity: Policy %s does not exist", arn))
	}
	return doc, nil
}
