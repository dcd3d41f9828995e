// Package orgscript holds the testscript commands of the CLI scripts that
// run organization mode on moto.
package orgscript

import (
	"context"
	"errors"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
)

// Cmds are the scripts' commands for organization mode on moto, acting as
// the script's own account (its management account):
//
//	neworg                 make an organization of the script's account and two
//	                       members, set CENTRAL and MEMBER to their IDs, ROOT
//	                       to its root's and ORG to its own, and give it an
//	                       organization trail
//	unforward ACCOUNT R    delete ACCOUNT's forwarding rule in region R
//	norootwatch ACCOUNT... fail if an account holds a rootwatch rule (us-east-1,
//	                       eu-west-1) or the forwarder role
//	newou NAME ACCOUNT...  create the OU NAME under the root, move the accounts
//	                       into it, and set OU to its ID
//	as ACCOUNT             set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//	                       AWS_SESSION_TOKEN to credentials of ACCOUNT (for the
//	                       AWS CLI; save the script's own first to come back)
//	snstopic NAME          create the SNS topic NAME in us-east-1 in the
//	                       script's account and set TOPIC to its ARN
var Cmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"newou":       cmdNewOU,
	"as":          cmdAs,
	"neworg":      cmdNewOrg,
	"unforward":   cmdUnforward,
	"norootwatch": cmdNoRootwatch,
	"snstopic":    cmdSNSTopic,
}

func cmdSNSTopic(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: snstopic NAME")
	}
	arn, err := management(ts).Topics("us-east-1").CreateTopic(context.Background(), args[0], nil)
	ts.Check(err)
	ts.Setenv("TOPIC", arn)
}

// management connects to the script's account with the script's credentials.
func management(ts *testscript.TestScript) cloud.Account {
	a, err := awscloud.ConnectWith(context.Background(), cloud.Config{EndpointURL: ts.Getenv("AWS_ENDPOINT_URL"), Region: "us-east-1"},
		awscloud.Options{Credentials: &cloud.Credentials{
			AccessKeyID: ts.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: ts.Getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: ts.Getenv("AWS_SESSION_TOKEN"),
		}})
	ts.Check(err)
	return a
}

func cmdNewOrg(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: neworg")
	}
	ids, err := awstest.NewOrganization(ts.Getenv("AWS_ENDPOINT_URL"), &cloud.Credentials{
		AccessKeyID: ts.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: ts.Getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: ts.Getenv("AWS_SESSION_TOKEN"),
	}, 2)
	ts.Check(err)
	ts.Setenv("CENTRAL", ids[0])
	ts.Setenv("MEMBER", ids[1])
	ctx := context.Background()
	a := management(ts)
	roots, err := a.Org().Roots(ctx)
	ts.Check(err)
	ts.Setenv("ROOT", roots[0].ID)
	org, err := a.Org().Describe(ctx)
	ts.Check(err)
	ts.Setenv("ORG", org.ID)
	id, err := a.Identity(ctx)
	ts.Check(err)
	bucket := "org-trail-" + id.Account
	ts.Check(a.Buckets().CreateBucket(ctx, bucket, "us-east-1", cloudtest.TrailBucketPolicy(bucket, id.Account), nil))
	_, err = a.Trails("us-east-1").CreateTrail(ctx, cloud.TrailSpec{Name: "org-trail", Bucket: bucket, Organization: true})
	ts.Check(err)
}

func cmdUnforward(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: unforward ACCOUNT REGION")
	}
	ctx := context.Background()
	m, err := management(ts).Org().Assume(ctx, args[0], cloud.DefaultAccessRole)
	ts.Check(err)
	ev := m.Events(args[1])
	ts.Check(ev.RemoveTargets(ctx, "", chain.ForwardRuleName, []string{chain.ForwardTargetID}))
	ts.Check(ev.DeleteRule(ctx, "", chain.ForwardRuleName))
}

func cmdNoRootwatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: norootwatch ACCOUNT...")
	}
	ctx := context.Background()
	mgmt := management(ts)
	self, err := mgmt.Identity(ctx)
	ts.Check(err)
	for _, id := range args {
		a := mgmt
		if id != self.Account {
			a, err = mgmt.Org().Assume(ctx, id, cloud.DefaultAccessRole)
			ts.Check(err)
		}
		for _, r := range []string{"us-east-1", "eu-west-1"} {
			for _, bus := range []string{cloud.DefaultBus, chain.BusName} {
				rules, err := a.Events(r).Rules(ctx, bus, "rootwatch-")
				if err != nil && !errors.Is(err, cloud.ErrNotFound) {
					ts.Fatalf("account %s: %v", id, err)
				}
				for _, rl := range rules {
					ts.Fatalf("account %s %s: rootwatch rule %s is left", id, r, rl.Name)
				}
			}
		}
		if _, err := a.Roles().Role(ctx, chain.ForwarderRoleName); !errors.Is(err, cloud.ErrNotFound) {
			ts.Fatalf("account %s: role %s is left (%v)", id, chain.ForwarderRoleName, err)
		}
		ts.Logf("account %s: no rootwatch resource", strings.TrimSpace(id))
	}
}

func cmdNewOU(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: newou NAME ACCOUNT...")
	}
	id, err := awstest.NewUnit(ts.Getenv("AWS_ENDPOINT_URL"), &cloud.Credentials{
		AccessKeyID: ts.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: ts.Getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: ts.Getenv("AWS_SESSION_TOKEN"),
	}, args[0], args[1:])
	ts.Check(err)
	ts.Setenv("OU", id)
}

func cmdAs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: as ACCOUNT")
	}
	c, err := awstest.AccountCreds(ts.Getenv("AWS_ENDPOINT_URL"), args[0])
	ts.Check(err)
	ts.Setenv("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	ts.Setenv("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	ts.Setenv("AWS_SESSION_TOKEN", c.SessionToken)
}
