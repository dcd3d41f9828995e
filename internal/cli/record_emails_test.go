package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// teamEmails returns n distinct addresses of about 60 characters, one with a
// character tag values do not allow and one in capitals: their list needs
// several tags of the settings record.
func teamEmails(n int) []string {
	var es []string
	for i := range n {
		es = append(es, fmt.Sprintf("security-operations-team-member-%03d@long-department.example.com", i))
	}
	es[1] = "o'brien.security-operations-team-member@long-department.example.com"
	es[2] = "Security-Operations-Lead@Long-Department.Example.com"
	return es
}

func emailArgs(emails []string) []string {
	var args []string
	for _, e := range emails {
		args = append(args, "--email", e)
	}
	return args
}

// subscriptionOf returns the topic's subscription of endpoint.
func subscriptionOf(t *testing.T, a cloud.Account, topic, endpoint string) cloud.Subscription {
	t.Helper()
	subs, err := a.Topics("us-east-1").Subscriptions(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.Endpoint == endpoint {
			return s
		}
	}
	t.Fatalf("no subscription of %s: %+v", endpoint, subs)
	return cloud.Subscription{}
}

// deployTeam deploys with the addresses, confirms each, and checks the record
// holds them across several tags.
func deployTeam(t *testing.T, emails []string) (*fake.Account, string) {
	t.Helper()
	a := trailedFake(t)
	mustCLI(t, a, append([]string{"deploy", "--regions", "eu-west-1"}, emailArgs(emails)...)...)
	topic := chain.TopicARN("aws", "us-east-1", a.ID())
	for _, e := range emails {
		if _, err := a.ConfirmSubscription(topic, e); err != nil {
			t.Fatal(err)
		}
	}
	b, err := a.Events("us-east-1").Bus(t.Context(), chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Tags[chain.SubscribersKey(2)]; !ok {
		t.Errorf("the list of %d addresses is in one tag: %v", len(emails), b.Tags)
	}
	if s, _ := chain.ReadSettings(b.Tags); !slices.Equal(s.Emails, chain.NormalEmails(emails)) {
		t.Fatalf("recorded %q, want %q", s.Emails, chain.NormalEmails(emails))
	}
	return a, topic
}

// TestBareDeployRepairsRecordedEmails: with 12 long addresses recorded (a
// list longer than one tag value), one unsubscribed and a filter policy put on
// another, status names both, and a bare deploy subscribes the first again and
// removes the filter from the second: every address gets the alert again.
func TestBareDeployRepairsRecordedEmails(t *testing.T) {
	emails := teamEmails(12)
	a, topic := deployTeam(t, emails)
	if out := mustCLI(t, a, "status"); !strings.HasPrefix(out, "healthy: ") {
		t.Fatalf("status after deploy:\n%s", out)
	}
	if n := signIn(t, a, "us-east-1"); n != 12 {
		t.Fatalf("a sign-in raised %d e-mails, want 12", n)
	}

	gone, filtered := emails[1], emails[2]
	if err := a.Topics("us-east-1").Unsubscribe(t.Context(), subscriptionOf(t, a, topic, gone).ARN); err != nil {
		t.Fatal(err)
	}
	if err := a.SetFilterPolicy(subscriptionOf(t, a, topic, filtered).ARN, `{"severity":["none-such"]}`); err != nil {
		t.Fatal(err)
	}
	if n := signIn(t, a, "us-east-1"); n != 10 {
		t.Fatalf("a sign-in raised %d e-mails with one unsubscribed and one filtered, want 10", n)
	}
	code, out, _ := runStatusCmd(t, a)
	if code != ExitReport || !strings.Contains(out, gone+", subscribed by deploy, no longer subscribed") || !strings.Contains(out, "filter policy") {
		t.Errorf("status: exit %d, want 1 naming %s and the filter policy\n%s", code, gone, out)
	}

	out = mustCLI(t, a, "deploy", "--dry-run")
	for _, want := range []string{gone, "remove the filter policy from subscription"} {
		if !strings.Contains(out, want) {
			t.Errorf("bare deploy --dry-run does not plan %q:\n%s", want, out)
		}
	}
	rec := cloudtest.Record(a)
	mustCLI(t, rec, "deploy")
	if m := strings.Join(rec.Mutations(), "\n"); strings.Count(m, "\n") != 1 || !strings.Contains(m, "Subscribe") || !strings.Contains(m, "RemoveFilterPolicy") {
		t.Errorf("bare deploy made these changes, want one Subscribe and one RemoveFilterPolicy:\n%s", m)
	}
	if _, err := a.ConfirmSubscription(topic, gone); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runStatusCmd(t, a); code != ExitOK {
		t.Errorf("status after the bare deploy: exit %d\n%s", code, out)
	}
	if n := signIn(t, a, "us-east-1"); n != 12 {
		t.Errorf("after the bare deploy a sign-in raised %d e-mails, want 12", n)
	}
}

// previousDigest is what the previous release recorded for a list longer than
// a tag value: "sha256:" and the first 16 bytes of the SHA-256 of the
// lower-cased addresses, sorted and joined by newlines, "/" and their count.
func previousDigest(emails []string) string {
	var list []string
	for _, e := range emails {
		list = append(list, strings.ToLower(e))
	}
	slices.Sort(list)
	sum := sha256.Sum256([]byte(strings.Join(list, "\n")))
	return "sha256:" + hex.EncodeToString(sum[:16]) + "/" + strconv.Itoa(len(list))
}

// asPreviousRelease rewrites the record's e-mail list as the previous release
// wrote it: value in SubscribersTag, no further tag.
func asPreviousRelease(t *testing.T, a *fake.Account, value string) {
	t.Helper()
	b, err := a.Events("us-east-1").Bus(t.Context(), chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range b.Tags {
		if strings.HasPrefix(k, chain.SubscribersTag+":") {
			keys = append(keys, k)
		}
	}
	if err := a.UntagBus("us-east-1", chain.BusName, keys...); err != nil {
		t.Fatal(err)
	}
	if err := a.Events("us-east-1").TagBus(t.Context(), chain.BusName, cloud.Tags{chain.SubscribersTag: value}); err != nil {
		t.Fatal(err)
	}
}

// TestPreviousReleaseDigest: a record the previous release made holds only a
// digest of a long list. status still checks the subscriptions against it
// and says what it means; a bare deploy says it cannot re-subscribe those
// addresses and leaves the digest alone; a deploy with every --email records
// the list itself.
func TestPreviousReleaseDigest(t *testing.T) {
	emails := teamEmails(12)
	a, topic := deployTeam(t, emails)
	asPreviousRelease(t, a, previousDigest(emails))

	code, out, _ := runStatusCmd(t, a, "--verbose")
	if code != ExitOK || !strings.Contains(out, "the 12 addresses deploy recorded are subscribed (the record holds only their digest") {
		t.Errorf("status with a digest record: exit %d, want 0 saying it holds only the digest\n%s", code, out)
	}
	rec := cloudtest.Record(a)
	out = mustCLI(t, rec, "deploy", "--verbose")
	if !strings.Contains(out, "holds only a digest of the 12 e-mail addresses") || !strings.Contains(out, "cannot subscribe them again") {
		t.Errorf("bare deploy with a digest record does not say what it means:\n%s", out)
	}
	if m := rec.Mutations(); len(m) != 0 {
		t.Errorf("bare deploy with a digest record changed %v", m)
	}
	if err := a.Topics("us-east-1").Unsubscribe(t.Context(), subscriptionOf(t, a, topic, emails[5]).ARN); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runStatusCmd(t, a)
	if code != ExitReport || !strings.Contains(out, "holds only their digest, so status cannot say which") {
		t.Errorf("status with one unsubscribed: exit %d, want 1 saying it cannot say which\n%s", code, out)
	}

	mustCLI(t, a, append([]string{"deploy"}, emailArgs(emails)...)...)
	b, err := a.Events("us-east-1").Bus(t.Context(), chain.BusName)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := chain.ReadSettings(b.Tags); s.EmailsDigest != "" || !slices.Equal(s.Emails, chain.NormalEmails(emails)) {
		t.Errorf("after deploy with every --email the record is %+v, want the list", s)
	}
}

// TestPreviousReleaseList: the previous release recorded a short list
// lower-cased in one tag. A bare deploy reads it, matches the subscription
// of the address as it was given (capitals) and has nothing to do.
func TestPreviousReleaseList(t *testing.T) {
	a := trailedFake(t)
	mustCLI(t, a, "deploy", "--regions", "eu-west-1", "--email", "Ops@Example.com", "--email", "sec@example.com")
	topic := chain.TopicARN("aws", "us-east-1", a.ID())
	for _, e := range []string{"Ops@Example.com", "sec@example.com"} {
		if _, err := a.ConfirmSubscription(topic, e); err != nil {
			t.Fatal(err)
		}
	}
	asPreviousRelease(t, a, "ops@example.com sec@example.com")
	rec := cloudtest.Record(a)
	out := mustCLI(t, rec, "deploy")
	if m := rec.Mutations(); len(m) != 0 {
		t.Errorf("bare deploy over the previous list: %v, want no change (no second subscription of Ops@Example.com)\n%s", m, out)
	}
	if out := mustCLI(t, a, "status"); !strings.HasPrefix(out, "healthy: ") {
		t.Errorf("status:\n%s", out)
	}
}

// TestRecordTooLong: a list the bus cannot hold in its 50 tags is refused
// before anything is changed, with the reason and a hint.
func TestRecordTooLong(t *testing.T) {
	a := trailedFake(t)
	rec := cloudtest.Record(a)
	code, out, errOut := runStdin(t, rec, "", false, append([]string{"deploy", "--regions", "eu-west-1"}, emailArgs(teamEmails(200))...)...)
	if code != ExitError || !strings.HasPrefix(errOut, "rootwatch: deploy: the settings record on bus rootwatch cannot hold the 200 e-mail addresses") ||
		!strings.Contains(errOut, "mailing list") || !strings.Contains(errOut, "nothing was changed") {
		t.Errorf("deploy with 200 addresses: exit %d, want %d with the reason and a hint\n%s%s", code, ExitError, out, errOut)
	}
	if m := rec.Mutations(); len(m) != 0 {
		t.Errorf("the refused deploy changed %v", m)
	}
}
