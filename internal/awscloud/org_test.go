package awscloud_test

import (
	"context"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
)

// motoOrgGaps are moto_server 5.2.1's differences from AWS in the
// multi-account suite (see /work/shared/docs/moto-beyond-one-account.md and
// MOTO.md); the in-memory fake runs those checks.
var motoOrgGaps = cloudtest.Gaps{
	cloudtest.GapAssumeAnyRole:          "moto's AssumeRole checks neither the role nor its trust; only the key ID picks the account",
	cloudtest.GapBusPolicyNotEnforced:   "moto stores bus policies but lets any account put events",
	cloudtest.GapMembersManage:          "moto answers a member account's ListAccounts as if it were the management account",
	cloudtest.GapPolicyAttachIdempotent: "moto attaches an attached SCP again and detaches one that is not attached without an error",
}

// TestOrgConformance runs the multi-account suite on moto: an organization of
// the caller's account and two members made by CreateAccount.
func TestOrgConformance(t *testing.T) {
	if ep := awstest.Endpoint(t); ep.Kind == awstest.RealAWS {
		t.Skip("the suite creates an organization and accounts; never against real AWS")
	}
	cloudtest.RunOrg(t, func(t *testing.T) cloudtest.OrgWorld {
		ep := awstest.Endpoint(t)
		a, err := awscloud.ConnectWith(context.Background(), cloud.Config{EndpointURL: ep.URL, Region: cloudtest.Home}, awscloud.Options{PageSize: 1, Credentials: ep.Creds})
		if err != nil {
			t.Fatal(err)
		}
		members, err := awstest.NewOrganization(ep.URL, ep.Creds, 2)
		if err != nil {
			t.Fatal(err)
		}
		return cloudtest.OrgWorld{Management: a, Members: members}
	}, motoOrgGaps)
}
