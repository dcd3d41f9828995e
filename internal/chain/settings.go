package chain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// The tags on the home bus that record the settings a deployment was made
// with. deploy writes them; status, test and destroy read them, so that they
// check what was deployed and never infer it from the deployed rules (which
// anyone who can edit a rule could re-point).
const (
	TopicTag       = "rootwatch:topic"       // the --topic-arn given, "" for the topic rootwatch creates
	HomeRegionTag  = "rootwatch:home-region" // the home region
	RegionsTag     = "rootwatch:regions"     // the --regions given, space-separated and sorted; "" for every enabled region
	SubscribersTag = "rootwatch:subscribers" // the --email addresses, and further tags when they do not fit one (record_emails.go)
)

// RecordTags are the tags of the settings record deploy writes on every
// deploy, empty values included (the e-mail list goes on in further tags when
// it is long: SubscribersKey).
var RecordTags = []string{TopicTag, HomeRegionTag, RegionsTag, SubscribersTag}

// Settings are the recorded settings of a deployment.
type Settings struct {
	TopicARN   string   // "" means the topic rootwatch creates
	HomeRegion string   //
	Regions    []string // nil means every enabled region
	// Emails are the --email addresses deploy subscribed (NormalEmails); nil
	// when none was given, or when the record holds no readable list.
	Emails []string
	// EmailsDigest is "sha256:HEX/N" when the record holds only a digest of
	// the N addresses: a previous release wrote that when they did not fit
	// one tag value. The addresses themselves are not known then.
	EmailsDigest string
	// EmailsUnreadable says why the recorded list cannot be read (someone
	// edited its tags); "" when it can.
	EmailsUnreadable string
}

// Options returns the deploy options the settings record.
func (s Settings) Options() Options {
	return Options{HomeRegion: s.HomeRegion, Regions: s.Regions, TopicARN: s.TopicARN}
}

// HasEmails reports whether the record says anything about e-mail addresses:
// a list, a digest, or a list it cannot read.
func (s Settings) HasEmails() bool {
	return len(s.Emails) > 0 || s.EmailsDigest != "" || s.EmailsUnreadable != ""
}

// EmailsUnknown says, when the record names e-mail addresses without
// listing them (a previous release's digest, or a list someone edited), what
// that means for a deploy given no --email; "" when the list is known.
func (s Settings) EmailsUnknown() string {
	switch {
	case s.EmailsDigest != "":
		return fmt.Sprintf("the settings record holds only a digest of the %s e-mail addresses deploy subscribed (a previous release recorded no more for a list that long): "+
			"deploy cannot subscribe them again or repair their subscriptions; run deploy once with every --email ADDR, and the record keeps the list", digestCount(s.EmailsDigest))
	case s.EmailsUnreadable != "":
		return "the e-mail list in the settings record cannot be read (" + s.EmailsUnreadable + "; someone edited the tags): deploy cannot subscribe those addresses again or repair their subscriptions; " +
			"run deploy with every --email ADDR, and the record is written again"
	}
	return ""
}

// RecordedSettings returns the settings spec (made from o) records on the bus.
func RecordedSettings(s Spec, o Options) Settings {
	var regions []string
	if o.Regions != nil {
		regions = slices.Clone(o.Regions)
		slices.Sort(regions)
		regions = slices.Compact(regions)
	}
	topic := ""
	if !s.Topic.Managed {
		topic = s.Topic.ARN
	}
	return Settings{TopicARN: topic, HomeRegion: s.HomeRegion, Regions: regions, Emails: NormalEmails(s.Topic.Emails)}
}

// Tags returns the settings as bus tags: the e-mail list in as many tags as
// it needs. A list a previous release recorded as a digest, or one that
// cannot be read, is not written: TagsOn leaves those tags as they are.
func (s Settings) Tags() cloud.Tags {
	regions := strings.Join(s.Regions, " ")
	if len(regions) > maxTagValue {
		// Not recordable; the commands then default to every region.
		regions = ""
	}
	t := cloud.Tags{TopicTag: s.TopicARN, HomeRegionTag: s.HomeRegion, RegionsTag: regions}
	if s.EmailsDigest != "" || s.EmailsUnreadable != "" {
		return t
	}
	t[SubscribersTag] = ""
	for i, v := range subscriberValues(s.Emails) {
		t[SubscribersKey(i+1)] = v
	}
	return t
}

// TagsOn returns the tags to put on bus (whose tags are now current) to
// record s: Tags, and an empty value for each tag of a longer list recorded
// before (TagBus cannot remove a tag; the list ends at the first empty one).
// It returns a *RecordFullError when the bus would need more than MaxBusTags
// tags.
func (s Settings) TagsOn(bus string, current cloud.Tags) (cloud.Tags, error) {
	t := s.Tags()
	if _, ok := t[SubscribersTag]; ok {
		for k := range current {
			if _, ok := t[k]; !ok && isSubscribersKey(k) {
				t[k] = ""
			}
		}
	}
	count := 0
	for k := range current {
		if _, ok := t[k]; !ok && !strings.HasPrefix(k, "aws:") {
			count++
		}
	}
	if count+len(t) > MaxBusTags {
		list := 0
		for k, v := range t {
			if isSubscribersKey(k) && v != "" {
				list++
			}
		}
		return nil, &RecordFullError{Bus: bus, Emails: len(s.Emails), Need: list, Room: MaxBusTags - (count + len(t) - list)}
	}
	return t, nil
}

// ReadSettings reads the settings from a bus's tags; ok is false when the bus
// records none (a deployment older than the tags, or tags someone removed).
func ReadSettings(t cloud.Tags) (s Settings, ok bool) {
	home, ok := t[HomeRegionTag]
	if !ok {
		return Settings{}, false
	}
	s = Settings{TopicARN: t[TopicTag], HomeRegion: home}
	if r := strings.Fields(t[RegionsTag]); len(r) > 0 {
		s.Regions = r
	}
	vals, err := subscriberValuesOf(t)
	var emails []string
	var digest string
	if err == nil {
		emails, digest, err = ParseSubscribers(vals)
	}
	if err != nil {
		s.EmailsUnreadable = err.Error()
	} else {
		s.Emails, s.EmailsDigest = emails, digest
	}
	return s, true
}

// SettingsDiffer reports whether the bus tags t need rewriting to record s
// (TagsOn's tags are not all there already).
func SettingsDiffer(t cloud.Tags, s Settings) bool {
	want, err := s.TagsOn("", t)
	if err != nil {
		return true
	}
	for k, v := range want {
		if got, ok := t[k]; !ok || got != v {
			return true
		}
	}
	return false
}

// JudgeRememberedSubscribers judges the topic's subscriptions against the
// e-mail addresses deploy recorded (rec): each must still be subscribed (a
// pending or filtered one is judged by JudgeSubscriptions), and a
// subscription nobody asked for (another address, a queue) is reported.
// (rootwatch's channels are rule targets, not subscriptions.)
func JudgeRememberedSubscribers(rec Settings, subs []cloud.Subscription) Verdict {
	if !rec.HasEmails() {
		return ok("deploy recorded no e-mail address")
	}
	var emails, foreign []string
	for _, s := range subs {
		switch {
		case s.Protocol == "email" || s.Protocol == "email-json":
			emails = append(emails, s.Endpoint)
		default:
			foreign = append(foreign, s.Protocol+":"+EndpointDisplay(s.Protocol, s.Endpoint))
		}
	}
	const fix = "unsubscribe what nobody asked for and run 'rootwatch deploy --email ADDR' with the team's addresses"
	switch {
	case rec.EmailsUnreadable != "":
		return warn(rec.EmailsUnknown(), "run 'rootwatch deploy --email ADDR' with every address of the team")
	case rec.EmailsDigest != "":
		if legacyDigest(emails) != rec.EmailsDigest {
			return fail(fmt.Sprintf("the e-mail subscriptions are not the %s addresses deploy recorded (someone unsubscribed or replaced one); the record, from a previous release, holds only their digest, so status cannot say which",
				digestCount(rec.EmailsDigest)), fix+" (every one: deploy then records the list itself)")
		}
		if len(foreign) == 0 {
			return ok(fmt.Sprintf("the %s addresses deploy recorded are subscribed (the record holds only their digest: run deploy once with every --email so that it keeps the list, and a bare deploy can re-subscribe them)",
				digestCount(rec.EmailsDigest)))
		}
	default:
		for _, e := range NormalEmails(emails) {
			if !slices.ContainsFunc(rec.Emails, func(r string) bool { return strings.EqualFold(r, e) }) {
				foreign = append(foreign, "email:"+e)
			}
		}
		slices.Sort(foreign)
		var gone []string
		for _, want := range rec.Emails {
			if !slices.ContainsFunc(emails, func(e string) bool { return strings.EqualFold(e, want) }) {
				gone = append(gone, want)
			}
		}
		if len(gone) > 0 {
			detail := fmt.Sprintf("%s, subscribed by deploy, no longer subscribed: they get no alerts", strings.Join(gone, ", "))
			if len(foreign) > 0 {
				detail += fmt.Sprintf(" (the topic now delivers to %s)", strings.Join(foreign, ", "))
			}
			return fail(detail, "run 'rootwatch deploy': it subscribes the recorded addresses again (each must confirm), and unsubscribe what nobody asked for")
		}
	}
	if len(foreign) > 0 {
		slices.Sort(foreign)
		return warn(fmt.Sprintf("the topic also delivers the alerts to %s, which deploy did not subscribe", strings.Join(foreign, ", ")), "unsubscribe it unless your team added it")
	}
	if len(rec.Emails) == 1 {
		return ok("the address deploy recorded is subscribed")
	}
	return ok("the addresses deploy recorded are subscribed")
}

// DeployCommand is the deploy command line that repeats the settings that
// matter for a fix: the topic, the home region and the regions. Run without
// them, deploy would re-target the alerts to a new topic or change coverage.
func (s Settings) DeployCommand() string {
	cmd := "rootwatch deploy"
	if s.TopicARN != "" {
		cmd += " --topic-arn " + s.TopicARN
	}
	if s.HomeRegion != "" && s.HomeRegion != DefaultHomeRegion {
		cmd += " --home-region " + s.HomeRegion
	}
	if len(s.Regions) > 0 {
		cmd += " --regions " + strings.Join(s.Regions, ",")
	}
	return cmd
}

// WithDeployCommand rewrites a fix hint's 'rootwatch deploy' to cmd (from
// DeployCommand), keeping the flags the hint itself adds.
func WithDeployCommand(fix, cmd string) string {
	if cmd == "rootwatch deploy" {
		return fix
	}
	return strings.ReplaceAll(fix, "'rootwatch deploy", "'"+cmd)
}
