package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// runConfirm confirms an e-mail subscription with AuthenticateOnUnsubscribe,
// from the confirmation link SNS mailed (or its token). A subscription
// confirmed by clicking the link can be removed by anyone who clicks the
// "unsubscribe" link of any alert e-mail, including a forwarded one; one
// confirmed this way can be removed only with AWS credentials.
func runConfirm(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "confirm")
	var sf settingsFlags
	sf.register(fs, "confirm")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("confirm takes one argument, the confirmation link from the e-mail (quoted) or its token")
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	topicARN, token, err := parseConfirmation(fs.Arg(0), sf.topic)
	if err != nil {
		return usageError("%v", err)
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return err
	}
	if topicARN == "" {
		// A bare token: the topic deploy recorded, else rootwatch's own.
		id, err := acct.Identity(ctx)
		if err != nil {
			return err
		}
		enabled, err := acct.Regions(ctx)
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		d, err := sf.resolve(ctx, acct, enabled)
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		topicARN = d.opts.TopicARN
		if topicARN == "" {
			part := id.Partition
			if part == "" {
				part = "aws"
			}
			topicARN = chain.TopicARN(part, d.opts.HomeRegion, id.Account)
		}
	}
	region := strings.Split(topicARN, ":")[3]
	sub, err := acct.Topics(region).ConfirmSubscription(ctx, topicARN, token)
	if errors.Is(err, cloud.ErrNotFound) {
		return withHint(err, "the token is unknown or has expired (SNS tokens last 3 days); run 'rootwatch deploy --email ADDRESS' with the same settings to have SNS send a new one")
	}
	if err != nil {
		return err
	}
	if g.output == "json" {
		fmt.Fprintf(env.Stdout, "{\"result\":\"confirmed\",\"topicArn\":%q,\"subscriptionArn\":%q,\"authenticateOnUnsubscribe\":true}\n", topicARN, sub)
		return nil
	}
	fmt.Fprintf(env.Stdout, "confirmed %s\nunsubscribing it now needs AWS credentials: the unsubscribe link in alert e-mails no longer works\n", sub)
	return nil
}

// parseConfirmation reads a confirmation link
// (https://sns.REGION.amazonaws.com/confirmation.html?TopicArn=...&Token=...&Endpoint=...,
// as in the e-mail, or the API form with Action=ConfirmSubscription)
// or a bare token. The link's host must be SNS's own for the topic's region:
// rootwatch sends the token only to AWS.
func parseConfirmation(arg, topic string) (topicARN, token string, err error) {
	if !strings.Contains(arg, "://") {
		if arg == "" || strings.ContainsAny(arg, " /?&=") {
			return "", "", errors.New("the argument is neither a confirmation link nor a token")
		}
		return topic, arg, checkTopicARN(topic)
	}
	u, err := url.Parse(arg)
	if err != nil {
		return "", "", errors.New("the confirmation link is not a URL")
	}
	q := u.Query()
	topicARN, token = q.Get("TopicArn"), q.Get("Token")
	if a := q.Get("Action"); (a != "" && a != "ConfirmSubscription") || topicARN == "" || token == "" {
		return "", "", errors.New("the link is not an SNS subscription confirmation link (one with TopicArn and Token)")
	}
	if err := checkTopicARN(topicARN); err != nil {
		return "", "", err
	}
	region := strings.Split(topicARN, ":")[3]
	if u.Scheme != "https" || (u.Host != "sns."+region+".amazonaws.com" && u.Host != "sns."+region+".amazonaws.com.cn") {
		return "", "", fmt.Errorf("the link does not point at SNS in %s (host %q): not sending its token there", region, u.Host)
	}
	if topic != "" && topic != topicARN {
		return "", "", fmt.Errorf("the link is for topic %s, not --topic-arn %s", topicARN, topic)
	}
	return topicARN, token, nil
}

func checkTopicARN(arn string) error {
	if arn == "" {
		return nil
	}
	if f := strings.Split(arn, ":"); len(f) != 6 || f[0] != "arn" || f[2] != "sns" || f[3] == "" || f[4] == "" {
		return fmt.Errorf("%q is not an SNS topic ARN", arn)
	}
	return nil
}
