package chain

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func TestSettingsTagsRoundTrip(t *testing.T) {
	for _, s := range []Settings{
		{HomeRegion: "us-east-1"},
		{TopicARN: "arn:aws:sns:eu-west-1:123456789012:ops", HomeRegion: "eu-west-1", Regions: []string{"eu-west-1", "us-east-1"}, Subscribers: "a@example.com b@example.com"},
	} {
		tags := s.Tags()
		for k, v := range tags {
			if len(v) > maxTagValue || !tagSafe(v) {
				t.Errorf("tag %s=%q is not a valid tag value", k, v)
			}
		}
		got, ok := ReadSettings(tags)
		if !ok {
			t.Fatalf("ReadSettings(%v) found no settings", tags)
		}
		if diff := cmp.Diff(s, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if SettingsDiffer(tags, s) {
			t.Errorf("SettingsDiffer(%v, %+v) = true", tags, s)
		}
	}
	if _, ok := ReadSettings(cloud.Tags{cloud.ManagedTag: cloud.ManagedValue}); ok {
		t.Error("ReadSettings found settings on a bus that records none")
	}
}

func TestSubscribersValue(t *testing.T) {
	if got := SubscribersValue([]string{"B@example.com", "a@example.com", "b@example.com"}); got != "a@example.com b@example.com" {
		t.Errorf("list = %q", got)
	}
	long := []string{}
	for _, c := range "abcdefghijkl" {
		long = append(long, string(c)+"-long-address-for-the-digest@example.com")
	}
	// An address with a character tags refuse, or too many to fit: a digest.
	for _, emails := range [][]string{{"o'brien@example.com"}, long} {
		got := SubscribersValue(emails)
		if !strings.HasPrefix(got, "sha256:") || len(got) > maxTagValue || !tagSafe(got) {
			t.Errorf("SubscribersValue(%v) = %q, want a digest", emails, got)
		}
	}
	if v := SubscribersValue(long); !strings.HasSuffix(v, "/12") || (Settings{Subscribers: v}).Emails() != nil {
		t.Errorf("digest of 12 = %q", v)
	}
}

func TestJudgeRememberedSubscribers(t *testing.T) {
	email := func(e string) cloud.Subscription { return cloud.Subscription{Protocol: "email", Endpoint: e} }
	queue := cloud.Subscription{Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:123456789012:sink"}
	digest := SubscribersValue([]string{"o'brien@example.com"})
	for _, tc := range []struct {
		name     string
		recorded string
		subs     []cloud.Subscription
		status   Status
		detail   string
	}{
		{"nothing recorded", "", []cloud.Subscription{queue}, OK, ""},
		{"as recorded", "a@example.com", []cloud.Subscription{email("A@example.com")}, OK, "is subscribed"},
		{"replaced by another address", "a@example.com", []cloud.Subscription{email("m@example.net")}, Fail, "a@example.com, subscribed by deploy, no longer subscribed: they get no alerts (the topic now delivers to email:m@example.net)"},
		{"replaced by a queue", "a@example.com", []cloud.Subscription{queue}, Fail, "the topic now delivers to sqs:"},
		{"one of two gone", "a@example.com b@example.com", []cloud.Subscription{email("b@example.com")}, Fail, "a@example.com, subscribed"},
		{"an extra address", "a@example.com", []cloud.Subscription{email("a@example.com"), email("m@example.net")}, Warn, "email:m@example.net, which deploy did not subscribe"},
		{"an extra queue", "a@example.com", []cloud.Subscription{email("a@example.com"), queue}, Warn, "sqs:"},
		{"digest as recorded", digest, []cloud.Subscription{email("o'brien@example.com")}, OK, ""},
		{"digest differs", digest, []cloud.Subscription{email("m@example.net")}, Fail, "not the addresses deploy recorded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := JudgeRememberedSubscribers(tc.recorded, tc.subs)
			if v.Status != tc.status || !strings.Contains(v.Detail, tc.detail) {
				t.Errorf("= %s %q, want %s containing %q", v.Status, v.Detail, tc.status, tc.detail)
			}
		})
	}
}

func TestDeployCommand(t *testing.T) {
	s := Settings{TopicARN: "arn:aws:sns:eu-west-1:123456789012:ops", HomeRegion: "eu-west-1", Regions: []string{"eu-west-1", "us-east-1"}}
	cmd := s.DeployCommand()
	if want := "rootwatch deploy --topic-arn arn:aws:sns:eu-west-1:123456789012:ops --home-region eu-west-1 --regions eu-west-1,us-east-1"; cmd != want {
		t.Errorf("DeployCommand = %q, want %q", cmd, want)
	}
	if got, want := WithDeployCommand(Redeploy, cmd), "run '"+cmd+"' to restore it"; got != want {
		t.Errorf("WithDeployCommand(Redeploy) = %q, want %q", got, want)
	}
	if got, want := WithDeployCommand("run 'rootwatch deploy --email ADDR'", cmd), "run '"+cmd+" --email ADDR'"; got != want {
		t.Errorf("WithDeployCommand keeps the hint's flags: %q, want %q", got, want)
	}
	if got := WithDeployCommand(Redeploy, (Settings{HomeRegion: DefaultHomeRegion}).DeployCommand()); got != Redeploy {
		t.Errorf("default settings changed the hint: %q", got)
	}
}
