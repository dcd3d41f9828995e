package cloudtest

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

const eventsTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func testRoles(t *testing.T, ctx context.Context, a cloud.Account) {
	iam := a.Roles()
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	_, err = iam.Role(ctx, "rw-missing")
	wantNotFound(t, "Role(missing)", err)

	in := cloud.Role{Name: "rw-forwarder", Trust: eventsTrust, Description: "forwards root activity", Tags: managed}
	arn, err := iam.CreateRole(ctx, in)
	check(t, "CreateRole", err)
	if want := "arn:aws:iam::" + id.Account + ":role/rw-forwarder"; arn != want {
		t.Errorf("CreateRole = %q, want %q", arn, want)
	}
	_, err = iam.CreateRole(ctx, in)
	wantExists(t, "CreateRole of an existing role", err)
	got, err := iam.Role(ctx, "rw-forwarder")
	check(t, "Role", err)
	sameJSON(t, "trust policy", got.Trust, eventsTrust)
	got.Trust = in.Trust
	in.ARN = arn
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("Role (-want +got):\n%s", diff)
	}
	trust2 := strings.Replace(eventsTrust, `"Action"`, `"Condition":{"StringEquals":{"aws:SourceAccount":"`+id.Account+`"}},"Action"`, 1)
	check(t, "UpdateTrust", iam.UpdateTrust(ctx, "rw-forwarder", trust2))
	got, err = iam.Role(ctx, "rw-forwarder")
	check(t, "Role after UpdateTrust", err)
	sameJSON(t, "trust policy after UpdateTrust", got.Trust, trust2)

	_, err = iam.RolePolicy(ctx, "rw-forwarder", "rw-put-events")
	wantNotFound(t, "RolePolicy(missing)", err)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:` + id.Account + `:event-bus/rootwatch"}]}`
	check(t, "PutRolePolicy", iam.PutRolePolicy(ctx, "rw-forwarder", "rw-put-events", policy))
	p, err := iam.RolePolicy(ctx, "rw-forwarder", "rw-put-events")
	check(t, "RolePolicy", err)
	sameJSON(t, "role policy", p, policy)
	if err := iam.DeleteRole(ctx, "rw-forwarder"); err == nil {
		t.Error("DeleteRole with an inline policy succeeded, want DeleteConflict")
	}
	check(t, "DeleteRolePolicy", iam.DeleteRolePolicy(ctx, "rw-forwarder", "rw-put-events"))
	wantNotFound(t, "DeleteRolePolicy of a deleted policy", iam.DeleteRolePolicy(ctx, "rw-forwarder", "rw-put-events"))
	check(t, "DeleteRole", iam.DeleteRole(ctx, "rw-forwarder"))
	_, err = iam.Role(ctx, "rw-forwarder")
	wantNotFound(t, "Role after DeleteRole", err)
	wantNotFound(t, "DeleteRole of a deleted role", iam.DeleteRole(ctx, "rw-forwarder"))
	wantNotFound(t, "PutRolePolicy on a missing role", iam.PutRolePolicy(ctx, "rw-forwarder", "x", policy))
}
