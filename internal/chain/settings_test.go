package chain

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func TestSettingsTagsRoundTrip(t *testing.T) {
	for _, s := range []Settings{
		{HomeRegion: "us-east-1"},
		{TopicARN: "arn:aws:sns:eu-west-1:123456789012:ops", HomeRegion: "eu-west-1", Regions: []string{"eu-west-1", "us-east-1"}, Emails: []string{"a@example.com", "B@example.com"}},
		{HomeRegion: "us-east-1", Emails: longEmails(30)},
	} {
		tags := s.Tags()
		for k, v := range tags {
			if reason := badTagValue(v); reason != "" {
				t.Errorf("tag %s=%q: %s", k, v, reason)
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

// longEmails returns n distinct addresses of about 60 characters: their list
// needs several tags.
func longEmails(n int) []string {
	var es []string
	for i := range n {
		es = append(es, fmt.Sprintf("security-operations-team-member-%02d@long-department.example.com", i))
	}
	return es
}

// badTagValue says why v is not a tag value EventBridge takes (or would be
// read back differently): too long, a character tags do not allow, a space
// at either end, or the aws: prefix. "" when it is fine.
func badTagValue(v string) string {
	switch {
	case utf8.RuneCountInString(v) > maxTagValue:
		return "longer than 256 characters"
	case strings.TrimSpace(v) != v:
		return "a space at an end"
	case strings.HasPrefix(strings.ToLower(v), "aws:"):
		return "the aws: prefix"
	}
	for _, r := range v {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || strings.ContainsRune("_.:/=+-@", r)) {
			return fmt.Sprintf("character %q", r)
		}
	}
	return ""
}

// TestSubscribersRecord: the e-mail list round-trips through the tags for
// every kind of address (escaped characters, case kept, one longer than a
// tag value, a list across many tags), and stale tags of a longer list are
// emptied.
func TestSubscribersRecord(t *testing.T) {
	long := "very-long-" + strings.Repeat("x", 200) + "@example.com"
	escaped := strings.Repeat("é", 60) + "=" + strings.Repeat("ü", 30) + "@example.com" // 3 characters per byte: 3 tags
	for _, tc := range []struct {
		name   string
		emails []string
		want   []string // NormalEmails of emails
		tags   int      // tags of the list
	}{
		{"none", nil, nil, 1},
		{"one", []string{"a@example.com"}, []string{"a@example.com"}, 1},
		{"sorted ignoring case, case kept, duplicates once", []string{"b@example.com", "Ops@Example.com", "a@example.com", "ops@example.com"}, []string{"a@example.com", "b@example.com", "Ops@Example.com"}, 1},
		{"characters tags refuse", []string{"o'brien@example.com", "a=b/c@example.com", "x!#$%&*?^`{|}~@example.com"}, []string{"a=b/c@example.com", "o'brien@example.com", "x!#$%&*?^`{|}~@example.com"}, 1},
		{"unicode", []string{"jörg@bücher.example", "用户@例子.广告"}, []string{"jörg@bücher.example", "用户@例子.广告"}, 1},
		{"an address longer than a tag", []string{long}, []string{long}, 1},
		{"escapes longer than a tag", []string{escaped, "a@example.com"}, []string{"a@example.com", escaped}, 4},
		{"12 long addresses", longEmails(12), longEmails(12), 3},
		{"40 long addresses", longEmails(40), longEmails(40), 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil && tc.emails != nil {
				tc.want = NormalEmails(tc.emails)
			}
			vals := subscriberValues(tc.emails)
			if n := max(len(vals), 1); n != tc.tags {
				t.Errorf("%d tags, want %d: %q", n, tc.tags, vals)
			}
			s := Settings{HomeRegion: "us-east-1", Emails: NormalEmails(tc.emails)}
			tags := s.Tags()
			for k, v := range tags {
				if reason := badTagValue(v); reason != "" {
					t.Errorf("tag %s=%q: %s", k, v, reason)
				}
			}
			got, ok := ReadSettings(tags)
			if !ok || got.EmailsUnreadable != "" || got.EmailsDigest != "" {
				t.Fatalf("ReadSettings = %+v, %v", got, ok)
			}
			if diff := cmp.Diff(tc.want, got.Emails); diff != "" {
				t.Errorf("emails (-want +got):\n%s", diff)
			}
		})
	}
	// A shorter list empties the tags of the longer one before it.
	before := Settings{HomeRegion: "us-east-1", Emails: longEmails(12)}.Tags()
	after := Settings{HomeRegion: "us-east-1", Emails: []string{"a@example.com"}}
	tags, err := after.TagsOn(BusName, before)
	if err != nil {
		t.Fatal(err)
	}
	want := cloud.Tags{TopicTag: "", HomeRegionTag: "us-east-1", RegionsTag: "", SubscribersTag: "a@example.com", SubscribersKey(2): "", SubscribersKey(3): ""}
	if diff := cmp.Diff(want, tags); diff != "" {
		t.Errorf("TagsOn (-want +got):\n%s", diff)
	}
	maps.Copy(before, tags)
	if got, _ := ReadSettings(before); !slices.Equal(got.Emails, after.Emails) {
		t.Errorf("after the shorter list: %v", got.Emails)
	}
}

// TestSubscribersRecordFull: a list that needs more tags than the bus has
// room for is refused, counting the tags others put on the bus (not the aws:
// ones).
func TestSubscribersRecordFull(t *testing.T) {
	other := cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, "aws:cloudformation:stack-name": "x"}
	// 46 tags are left for the list: 46*4 addresses of 60 characters fit.
	if _, err := (Settings{HomeRegion: "us-east-1", Emails: longEmails(46 * 4)}).TagsOn(BusName, other); err != nil {
		t.Errorf("184 addresses in 46 tags: %v", err)
	}
	_, err := (Settings{HomeRegion: "us-east-1", Emails: longEmails(46*4 + 1)}).TagsOn(BusName, other)
	var full *RecordFullError
	if !errors.As(err, &full) || full.Need != 47 || full.Room != 46 || full.Emails != 185 {
		t.Fatalf("185 addresses: %v, want a RecordFullError needing 47 tags with room for 46", err)
	}
	other["cost-center"] = "42"
	if _, err := (Settings{HomeRegion: "us-east-1", Emails: longEmails(46 * 4)}).TagsOn(BusName, other); !errors.As(err, &full) || full.Room != 45 {
		t.Errorf("with another tag on the bus: %v, want room for 45", err)
	}
	if !strings.Contains(full.Error(), "cannot hold the 184 e-mail addresses") || !strings.Contains(full.Hint(), "mailing list") {
		t.Errorf("error %q, hint %q", full.Error(), full.Hint())
	}
}

// TestPreviousRecordsRead: the forms a previous release wrote are read: a
// lower-cased list in one tag, characters tags allow kept as they are, and
// the digest of a list too long for one tag.
func TestPreviousRecordsRead(t *testing.T) {
	digest := legacyDigest(longEmails(12))
	for _, tc := range []struct {
		name, value string
		emails      []string
		digest      string
	}{
		{"list", "a@example.com b@example.com", []string{"a@example.com", "b@example.com"}, ""},
		{"characters as they are", "a=41b@example.com c/d@example.com", []string{"a=41b@example.com", "c/d@example.com"}, ""},
		{"unicode as it is", "jörg@bücher.example", []string{"jörg@bücher.example"}, ""},
		{"digest", digest, nil, digest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := ReadSettings(cloud.Tags{HomeRegionTag: "us-east-1", TopicTag: "", RegionsTag: "", SubscribersTag: tc.value})
			if !ok || s.EmailsUnreadable != "" || !slices.Equal(s.Emails, tc.emails) || s.EmailsDigest != tc.digest {
				t.Errorf("= %+v", s)
			}
		})
	}
	if !strings.HasSuffix(digest, "/12") {
		t.Errorf("digest %q", digest)
	}
	s, _ := ReadSettings(cloud.Tags{HomeRegionTag: "us-east-1", SubscribersTag: digest})
	if got := s.EmailsUnknown(); !strings.Contains(got, "only a digest of the 12 e-mail addresses") || !strings.Contains(got, "every --email") {
		t.Errorf("EmailsUnknown = %q", got)
	}
	// Kept as it is by a deploy given no address.
	if tags := s.Tags(); tags[SubscribersTag] != "" || len(tags) != 3 {
		t.Errorf("Tags of a digest record = %v, want the list's tags left alone", tags)
	}
	s, _ = ReadSettings(cloud.Tags{HomeRegionTag: "us-east-1", SubscribersTag: "a@example.com \x1b[2J@x"})
	if s.EmailsUnreadable == "" || s.Emails != nil || !strings.Contains(s.EmailsUnknown(), "cannot be read") {
		t.Errorf("an edited list: %+v", s)
	}
}

// TestSubscribersTagRemoved: a tag removed from the middle of a long list,
// or the one an address goes on in, makes the list unreadable instead of
// shorter (a bare deploy would otherwise record the shorter list).
func TestSubscribersTagRemoved(t *testing.T) {
	long := Settings{HomeRegion: "us-east-1", Emails: longEmails(12)}.Tags()
	delete(long, SubscribersKey(2))
	split := Settings{HomeRegion: "us-east-1", Emails: []string{strings.Repeat("é", 100) + "@example.com"}}.Tags()
	delete(split, SubscribersKey(2))
	emptied := Settings{HomeRegion: "us-east-1", Emails: longEmails(12)}.Tags()
	emptied[SubscribersKey(2)] = ""
	first := cloud.Tags{HomeRegionTag: "us-east-1", SubscribersTag: "", SubscribersKey(2): "b@example.com"}
	for name, tags := range map[string]cloud.Tags{"middle": long, "inside an address": split, "middle emptied": emptied, "first emptied": first} {
		s, _ := ReadSettings(tags)
		if s.EmailsUnreadable == "" || s.Emails != nil {
			t.Errorf("%s: %+v, want unreadable", name, s)
		}
	}
}

// FuzzParseSubscribers: the parser never panics; what it reads is written
// back as valid tag values and read again the same; and a list of addresses
// made from the input round-trips.
func FuzzParseSubscribers(f *testing.F) {
	f.Add("a@example.com b@example.com")
	f.Add("o=CHbrien@example.com")
	f.Add(legacyDigest([]string{"a@example.com"}))
	f.Add(strings.Join(subscriberValues([]string{strings.Repeat("é", 100) + "@example.com"}), "\n"))
	f.Add(strings.Join(subscriberValues(longEmails(12)), "\n"))
	f.Add("a=\nb@example.com")
	f.Add("=AA=PP=\n=")
	f.Fuzz(func(t *testing.T, in string) {
		vals := strings.Split(in, "\n")
		emails, digest, err := ParseSubscribers(vals)
		if err != nil {
			return
		}
		if digest != "" {
			if emails != nil || !legacyDigestRE.MatchString(digest) {
				t.Fatalf("digest %q with emails %q", digest, emails)
			}
			return
		}
		check := func(emails []string) {
			t.Helper()
			out := subscriberValues(emails)
			for _, v := range out {
				if reason := badTagValue(v); reason != "" {
					t.Fatalf("value %q for %q: %s", v, emails, reason)
				}
			}
			again, d, err := ParseSubscribers(out)
			if err != nil || d != "" || !slices.Equal(again, NormalEmails(emails)) {
				t.Fatalf("%q written as %q read as %q, %q, %v", emails, out, again, d, err)
			}
		}
		check(emails)
		// The input's lines as addresses, when they are ones.
		var plain []string
		for _, v := range vals {
			if plainEmail(v) {
				plain = append(plain, v)
			}
		}
		check(plain)
	})
}

func TestJudgeRememberedSubscribers(t *testing.T) {
	email := func(e string) cloud.Subscription { return cloud.Subscription{Protocol: "email", Endpoint: e} }
	queue := cloud.Subscription{Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:123456789012:sink"}
	list := func(es ...string) Settings { return Settings{Emails: es} }
	digest := Settings{EmailsDigest: legacyDigest([]string{"o'brien@example.com"})}
	for _, tc := range []struct {
		name     string
		recorded Settings
		subs     []cloud.Subscription
		status   Status
		detail   string
	}{
		{"nothing recorded", Settings{}, []cloud.Subscription{queue}, OK, ""},
		{"as recorded", list("a@example.com"), []cloud.Subscription{email("A@example.com")}, OK, "is subscribed"},
		{"case kept", list("Ops@Example.com"), []cloud.Subscription{email("ops@example.com")}, OK, "is subscribed"},
		{"replaced by another address", list("a@example.com"), []cloud.Subscription{email("m@example.net")}, Fail, "a@example.com, subscribed by deploy, no longer subscribed: they get no alerts (the topic now delivers to email:m@example.net)"},
		{"replaced by a queue", list("a@example.com"), []cloud.Subscription{queue}, Fail, "the topic now delivers to sqs:"},
		{"one of two gone", list("a@example.com", "b@example.com"), []cloud.Subscription{email("b@example.com")}, Fail, "a@example.com, subscribed"},
		{"an extra address", list("a@example.com"), []cloud.Subscription{email("a@example.com"), email("m@example.net")}, Warn, "email:m@example.net, which deploy did not subscribe"},
		{"an extra queue", list("a@example.com"), []cloud.Subscription{email("a@example.com"), queue}, Warn, "sqs:"},
		{"digest as recorded", digest, []cloud.Subscription{email("o'brien@example.com")}, OK, "holds only their digest"},
		{"digest differs", digest, []cloud.Subscription{email("m@example.net")}, Fail, "the record, from a previous release, holds only their digest, so status cannot say which"},
		{"digest and a queue", digest, []cloud.Subscription{email("o'brien@example.com"), queue}, Warn, "sqs:"},
		{"unreadable", Settings{EmailsUnreadable: "x"}, []cloud.Subscription{email("a@example.com")}, Warn, "cannot be read"},
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
