package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

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
	SubscribersTag = "rootwatch:subscribers" // the --email addresses, space-separated and sorted, or a digest (see SubscribersValue)
)

// RecordTags are the tags of the settings record; deploy writes every one of
// them, empty values included.
var RecordTags = []string{TopicTag, HomeRegionTag, RegionsTag, SubscribersTag}

// maxTagValue is the longest tag value AWS accepts.
const maxTagValue = 256

// Settings are the recorded settings of a deployment.
type Settings struct {
	TopicARN   string   // "" means the topic rootwatch creates
	HomeRegion string   //
	Regions    []string // nil means every enabled region
	// Subscribers is the SubscribersValue of the e-mail addresses deploy
	// subscribed; "" when none was given.
	Subscribers string
}

// Options returns the deploy options the settings record.
func (s Settings) Options() Options {
	return Options{HomeRegion: s.HomeRegion, Regions: s.Regions, TopicARN: s.TopicARN}
}

// Emails returns the recorded e-mail addresses; nil when none were recorded
// or only their digest was.
func (s Settings) Emails() []string {
	if strings.HasPrefix(s.Subscribers, "sha256:") {
		return nil
	}
	return strings.Fields(s.Subscribers)
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
	return Settings{TopicARN: topic, HomeRegion: s.HomeRegion, Regions: regions, Subscribers: SubscribersValue(s.Topic.Emails)}
}

// Tags returns the settings as bus tags.
func (s Settings) Tags() cloud.Tags {
	regions := strings.Join(s.Regions, " ")
	if len(regions) > maxTagValue {
		// Not recordable; the commands then default to every region.
		regions = ""
	}
	return cloud.Tags{TopicTag: s.TopicARN, HomeRegionTag: s.HomeRegion, RegionsTag: regions, SubscribersTag: s.Subscribers}
}

// ReadSettings reads the settings from a bus's tags; ok is false when the bus
// records none (a deployment older than the tags, or tags someone removed).
func ReadSettings(t cloud.Tags) (s Settings, ok bool) {
	home, ok := t[HomeRegionTag]
	if !ok {
		return Settings{}, false
	}
	s = Settings{TopicARN: t[TopicTag], HomeRegion: home, Subscribers: t[SubscribersTag]}
	if r := strings.Fields(t[RegionsTag]); len(r) > 0 {
		s.Regions = r
	}
	return s, true
}

// SettingsDiffer reports whether the bus tags t need rewriting to record s.
func SettingsDiffer(t cloud.Tags, s Settings) bool {
	for k, v := range s.Tags() {
		if got, ok := t[k]; !ok || got != v {
			return true
		}
	}
	return false
}

// SubscribersValue is the tag value recording the e-mail addresses: the
// lower-cased addresses sorted and space-separated when that fits a tag value
// (letters, digits, space and _.:/=+-@, at most 256 characters), otherwise
// "sha256:HEX/N", a digest of that list and its count.
func SubscribersValue(emails []string) string {
	if len(emails) == 0 {
		return ""
	}
	list := normalEmails(emails)
	v := strings.Join(list, " ")
	if len(v) <= maxTagValue && tagSafe(v) {
		return v
	}
	sum := sha256.Sum256([]byte(strings.Join(list, "\n")))
	return "sha256:" + hex.EncodeToString(sum[:16]) + "/" + strconv.Itoa(len(list))
}

func normalEmails(emails []string) []string {
	list := make([]string, 0, len(emails))
	for _, e := range emails {
		list = append(list, strings.ToLower(strings.TrimSpace(e)))
	}
	slices.Sort(list)
	return slices.Compact(list)
}

// tagSafe reports whether v holds only characters a tag value allows (and no
// space inside an address, which the list uses as separator).
func tagSafe(v string) bool {
	for _, r := range v {
		if !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == ' ' || strings.ContainsRune("_.:/=+-@", r)) {
			return false
		}
	}
	return true
}

// JudgeRememberedSubscribers judges the topic's subscriptions against the
// e-mail addresses deploy recorded: each must still be subscribed (a pending
// or filtered one is judged by JudgeSubscriptions), and a subscription nobody
// asked for (another address, a queue) is reported. recorded is the
// SubscribersValue from the bus. (rootwatch's channels are rule targets, not
// subscriptions.)
func JudgeRememberedSubscribers(recorded string, subs []cloud.Subscription) Verdict {
	if recorded == "" {
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
	if strings.HasPrefix(recorded, "sha256:") {
		if SubscribersValue(emails) != recorded {
			return fail("the e-mail subscriptions are not the addresses deploy recorded (someone unsubscribed or replaced one)", fix)
		}
	} else {
		have := normalEmails(emails)
		for _, e := range have {
			if !slices.Contains(strings.Fields(recorded), e) {
				foreign = append(foreign, "email:"+e)
			}
		}
		slices.Sort(foreign)
		var gone []string
		for _, want := range strings.Fields(recorded) {
			if !slices.Contains(have, want) {
				gone = append(gone, want)
			}
		}
		if len(gone) > 0 {
			detail := fmt.Sprintf("%s, subscribed by deploy, no longer subscribed: they get no alerts", strings.Join(gone, ", "))
			if len(foreign) > 0 {
				detail += fmt.Sprintf(" (the topic now delivers to %s)", strings.Join(foreign, ", "))
			}
			return fail(detail, fix)
		}
	}
	if len(foreign) > 0 {
		slices.Sort(foreign)
		return warn(fmt.Sprintf("the topic also delivers the alerts to %s, which deploy did not subscribe", strings.Join(foreign, ", ")), "unsubscribe it unless your team added it")
	}
	if n := len(strings.Fields(recorded)); !strings.HasPrefix(recorded, "sha256:") && n == 1 {
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
