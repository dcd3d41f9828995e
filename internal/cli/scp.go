package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/scp"
)

// defaultDeployRole is the principal the SCP exempts by default: the role
// `deploy --org` assumes in every account.
const defaultDeployRole = "arn:aws:iam::*:role/" + cloud.DefaultAccessRole

// scpOptions is the service control policy for rootwatch's deterministic names.
func scpOptions(exempt, trails []string) scp.Options {
	return scp.Options{
		Exempt: exempt,
		Trails: trails,
		Names: scp.Names{
			Bus:             chain.BusName,
			RulePrefix:      "rootwatch-", // chain.ForwardRuleName, AlertRulePrefix, SelfTestRulePrefix
			TopicPrefix:     chain.TopicName,
			QueuePrefix:     chain.DLQName,
			RolePrefix:      chain.ForwarderRoleName,
			Trail:           chain.TrailName,
			TrailBucketGlob: chain.TrailBucketPrefix + "*",
			AlarmPrefix:     chain.AlarmPrefix,
			BoundaryPolicy:  deploy.BoundaryPolicyName,
			ChannelPrefix:   chain.ChannelPrefix,
			ChannelRole:     chain.ChannelRoleName,
		},
	}
}

func runSCP(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "scp")
	var exempt, trails listFlag
	fs.Var(&exempt, "deploy-role-arn", "the principal that may still change rootwatch's resources, ArnLike syntax (repeatable; default "+defaultDeployRole+")")
	fs.Var(&trails, "trail-arn", "also protect this trail, e.g. the organization trail (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("scp takes no arguments, got %q", fs.Args())
	}
	if len(exempt) == 0 {
		exempt = listFlag{defaultDeployRole}
	}
	for _, e := range exempt {
		if !strings.HasPrefix(e, "arn:") || !strings.Contains(e, ":iam::") {
			return usageError("--deploy-role-arn %q is not an IAM principal ARN (arn:aws:iam::ACCOUNT|*:role/NAME)", e)
		}
	}
	p, err := scp.Build(scpOptions(exempt, trails))
	if err != nil {
		return usageError("%v", err)
	}
	if n := len(p.Compact()); n > scp.MaxSize {
		return fmt.Errorf("scp: the policy has %d characters, more than Organizations' limit of %d; give fewer --deploy-role-arn or --trail-arn", n, scp.MaxSize)
	}
	_, err = env.Stdout.Write(p.JSON())
	return err
}
