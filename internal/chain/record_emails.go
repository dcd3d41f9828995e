package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// The e-mail list of the settings record.
//
// SubscribersTag holds the --email addresses deploy subscribed, sorted
// ignoring case and separated by single spaces. When they do not fit one tag
// value they go on in SubscribersTag+":2", ":3" and so on (SubscribersKey),
// each value at most 256 characters: the record keeps the list itself, so
// that a bare deploy can subscribe again an address someone unsubscribed, and
// repair its subscription.
//
// Tag values allow letters, digits, spaces and _ . : / = + - @ only
// (EventBridge TagResource), and an address may hold any other character
// (o'brien@…, jörg@…). So an address is written byte by byte: ASCII letters,
// digits and . _ - + @ as they are, every other byte as '=' and two capital
// letters A-P, its high and low half-byte (A is 0, P is 15): "o'brien" is
// "o=CHbrien". The value is then plain ASCII, never begins with "aws:" (which
// AWS keeps for itself), and holds no space inside an address. A previous
// release wrote the lower-cased addresses as they were, where tags allowed
// it: those values hold no capital letter, so no "=" and two capitals, and
// read the same either way.
//
// An address longer than a tag value (one with many escaped characters) is
// cut, never inside an escape, and the cut piece ends with a lone '=' (as in
// quoted-printable): the address goes on at the start of the next tag. A
// value ends with '=' only then, since every escape ends with a letter.
//
// A previous release wrote only "sha256:HEX/N" when the list did not fit one
// tag value (legacyDigest): that record is still read (Settings.EmailsDigest).

// MaxBusTags is the number of tags EventBridge allows on a bus, not counting
// the aws: ones AWS puts there (a CloudFormation stack's).
const MaxBusTags = 50

// maxTagValue is the longest tag value AWS accepts.
const maxTagValue = 256

// SubscribersKey is the key of the i-th tag (from 1) of the e-mail list.
func SubscribersKey(i int) string {
	if i <= 1 {
		return SubscribersTag
	}
	return SubscribersTag + ":" + strconv.Itoa(i)
}

// isSubscribersKey reports whether k is a tag of the e-mail list.
func isSubscribersKey(k string) bool {
	if k == SubscribersTag {
		return true
	}
	n, ok := strings.CutPrefix(k, SubscribersTag+":")
	i, err := strconv.Atoi(n)
	return ok && err == nil && i >= 2 && SubscribersKey(i) == k
}

// NormalEmails returns the addresses sorted ignoring case, the first of two
// that are equal ignoring case kept, each as given (deploy subscribes them as
// given, so that is what a bare deploy must subscribe again).
func NormalEmails(emails []string) []string {
	var list []string
	for _, e := range emails {
		e = strings.TrimSpace(e)
		if e != "" && !slices.ContainsFunc(list, func(o string) bool { return strings.EqualFold(o, e) }) {
			list = append(list, e)
		}
	}
	slices.SortStableFunc(list, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return list
}

// literalByte reports whether the record writes c as it is.
func literalByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._-+@", c) >= 0
}

func encodeEmail(e string) string {
	var b strings.Builder
	for i := 0; i < len(e); i++ {
		c := e[i]
		if literalByte(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('=')
		b.WriteByte('A' + c>>4)
		b.WriteByte('A' + c&15)
	}
	return b.String()
}

func isNibble(c byte) bool { return 'A' <= c && c <= 'P' }

func decodeEmail(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) && isNibble(s[i+1]) && isNibble(s[i+2]) {
			b.WriteByte((s[i+1]-'A')<<4 | (s[i+2] - 'A'))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// subscriberValues returns the tag values, in order, that record emails
// (NormalEmails): whole addresses packed into each value, and an address
// longer than a value cut with soft breaks.
func subscriberValues(emails []string) []string {
	var vals []string
	cur := ""
	for _, e := range NormalEmails(emails) {
		enc := encodeEmail(e)
		if cur != "" && len(cur)+1+len(enc) <= maxTagValue {
			cur += " " + enc
			continue
		}
		if cur != "" {
			vals = append(vals, cur)
		}
		for len(enc) > maxTagValue {
			cut := maxTagValue - 1 // and the soft break
			// Never inside an escape: '=' is always one's start.
			if i := strings.LastIndexByte(enc[cut-2:cut], '='); i >= 0 {
				cut = cut - 2 + i
			}
			vals = append(vals, enc[:cut]+"=")
			enc = enc[cut:]
		}
		cur = enc
	}
	if cur != "" {
		vals = append(vals, cur)
	}
	return vals
}

var legacyDigestRE = regexp.MustCompile(`^sha256:[0-9a-f]{32}/[1-9][0-9]*$`)

// ParseSubscribers reads the e-mail list from the values of the list's tags
// in order (SubscribersKey 1, 2, ...: the first missing or empty one ends
// it). It returns the addresses (NormalEmails), or the digest a previous
// release recorded instead of a list too long for one tag, or an error when
// a value is not what deploy writes (someone edited the tags): an address
// that is not a plain e-mail address (like alice@example.com).
func ParseSubscribers(vals []string) (emails []string, digest string, err error) {
	if i := slices.Index(vals, ""); i >= 0 {
		vals = vals[:i]
	}
	if len(vals) == 0 {
		return nil, "", nil
	}
	if len(vals) == 1 && legacyDigestRE.MatchString(vals[0]) {
		return nil, vals[0], nil
	}
	if strings.HasSuffix(vals[len(vals)-1], "=") {
		// A soft break in the last value: the tag after it is gone.
		return nil, "", fmt.Errorf("%s ends inside an address: %s is missing", SubscribersKey(len(vals)), SubscribersKey(len(vals)+1))
	}
	var b strings.Builder
	for i, v := range vals {
		if i > 0 && !strings.HasSuffix(vals[i-1], "=") {
			b.WriteByte(' ')
		}
		if i < len(vals)-1 {
			v = strings.TrimSuffix(v, "=")
		}
		b.WriteString(v)
	}
	for _, f := range strings.Fields(b.String()) {
		e := decodeEmail(f)
		if !plainEmail(e) {
			// %q quotes what a terminal might act on (control and format
			// characters, invalid UTF-8).
			return nil, "", fmt.Errorf("the list in the %s tags holds %q, which is not a plain e-mail address", SubscribersTag, e)
		}
		emails = append(emails, e)
	}
	return NormalEmails(emails), "", nil
}

// subscriberValuesOf returns the values of the list's tags in t, in order,
// up to the first missing or empty one (deploy empties the tags a shorter
// list no longer needs: TagBus cannot remove them); an error when a later
// one holds a value (someone removed or emptied a tag in the middle of the
// list, which would otherwise shorten it unseen, and a bare deploy would then
// record the shorter list for good).
func subscriberValuesOf(t cloud.Tags) ([]string, error) {
	var vals []string
	for i := 1; ; i++ {
		v, ok := t[SubscribersKey(i)]
		if !ok || v == "" {
			break
		}
		vals = append(vals, v)
	}
	for k, v := range t {
		if !isSubscribersKey(k) || v == "" || k == SubscribersTag {
			continue
		}
		if n, _ := strconv.Atoi(strings.TrimPrefix(k, SubscribersTag+":")); n > len(vals)+1 {
			gap := SubscribersKey(len(vals) + 1)
			how := "missing"
			if _, ok := t[gap]; ok {
				how = "empty"
			}
			return nil, fmt.Errorf("%s is %s from the list (%s is there)", gap, how, k)
		}
	}
	return vals, nil
}

// legacyDigest is the digest a previous release recorded for a list too long
// for one tag value: "sha256:HEX/N", the first 16 bytes of the SHA-256 of the
// lower-cased addresses sorted and joined by newlines, and their count.
func legacyDigest(emails []string) string {
	if len(emails) == 0 {
		return ""
	}
	list := make([]string, 0, len(emails))
	for _, e := range emails {
		list = append(list, strings.ToLower(strings.TrimSpace(e)))
	}
	slices.Sort(list)
	list = slices.Compact(list)
	sum := sha256.Sum256([]byte(strings.Join(list, "\n")))
	return "sha256:" + hex.EncodeToString(sum[:16]) + "/" + strconv.Itoa(len(list))
}

// digestCount returns N of a legacy digest "sha256:HEX/N".
func digestCount(d string) string {
	_, n, _ := strings.Cut(d, "/")
	return n
}

// RecordFullError says the settings record cannot hold the e-mail list: the
// bus would need more tags than EventBridge allows.
type RecordFullError struct {
	Bus    string
	Emails int // addresses to record
	Need   int // tags the list needs
	Room   int // tags the bus has room for (MaxBusTags less the other tags)
}

func (e *RecordFullError) Error() string {
	return fmt.Sprintf("the settings record on bus %s cannot hold the %d e-mail addresses: they need %d tags and the bus has room for %d (EventBridge allows %d tags per bus, the other settings and tags included)",
		e.Bus, e.Emails, e.Need, e.Room, MaxBusTags)
}

// Hint says what to do about it.
func (e *RecordFullError) Hint() string {
	return "give fewer --email addresses (a mailing list or group address instead of each person's), or remove tags others put on the bus; nothing was recorded"
}
