package awscloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
)

// SetBusPolicy implements cloud.Events with PutPermission's Policy form (the
// whole policy at once) or, for "", RemovePermission of every statement.
func (e *events) SetBusPolicy(ctx context.Context, name, policy string) error {
	name = busName(name)
	if policy == "" {
		if _, err := e.c.RemovePermission(ctx, &eventbridge.RemovePermissionInput{EventBusName: aws.String(name), RemoveAllPermissions: true}); err != nil {
			return errorf(err, "remove permissions of bus %s in %s", name, e.region)
		}
		return nil
	}
	if _, err := e.c.PutPermission(ctx, &eventbridge.PutPermissionInput{EventBusName: aws.String(name), Policy: aws.String(policy)}); err != nil {
		return errorf(err, "put permission on bus %s in %s", name, e.region)
	}
	return nil
}
