package cli

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

func TestConfirm(t *testing.T) {
	a := fake.New()
	ctx := context.Background()
	topic, err := a.Topics("us-east-1").CreateTopic(ctx, chain.TopicName, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Topics("us-east-1").Subscribe(ctx, topic, "email", "sec@example.com", false); err != nil {
		t.Fatal(err)
	}
	token := a.SubscriptionToken(topic, "sec@example.com")
	link := "https://sns.us-east-1.amazonaws.com/confirmation.html?TopicArn=" + url.QueryEscape(topic) + "&Token=" + token + "&Endpoint=sec%40example.com"

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"link to another host", []string{"confirm", strings.Replace(link, "sns.us-east-1.amazonaws.com", "sns.us-east-1.amazonaws.com.evil.example", 1)}, ExitError, "does not point at SNS in us-east-1"},
		{"plain http", []string{"confirm", strings.Replace(link, "https:", "http:", 1)}, ExitError, "does not point at SNS"},
		{"not a confirmation link", []string{"confirm", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&TopicArn=" + url.QueryEscape(topic) + "&Token=x"}, ExitError, "not an SNS subscription confirmation link"},
		{"link for another topic than --topic-arn", []string{"confirm", "--topic-arn", topic + "-other", link}, ExitError, "not --topic-arn"},
		{"no argument", []string{"confirm"}, ExitError, "takes one argument"},
		{"unknown token", []string{"confirm", "--topic-arn", topic, "0123456789abcdef"}, ExitError, "hint: the token is unknown or has expired"},
		{"the link", []string{"confirm", link}, ExitOK, "confirmed " + topic + ":"},
		{"again, by token (idempotent)", []string{"confirm", token}, ExitOK, "unsubscribing it now needs AWS credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, a, nil, tc.args...)
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tc.code, tc.want, out, errs)
			}
			if strings.Contains(out+errs, token) && tc.name != "unknown token" {
				t.Errorf("the token appears in the output:\n%s%s", out, errs)
			}
		})
	}
	subs, err := a.Topics("us-east-1").Subscriptions(ctx, topic)
	if err != nil || len(subs) != 1 || subs[0].Pending || !subs[0].Authenticated {
		t.Errorf("after confirm: %+v, %v; want one authenticated subscription", subs, err)
	}
}
