package scan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/ctgen"
)

// TestFilterForPath: the path decides the account and region where it tells
// them, even above the directory a walk starts from; the records decide the
// rest.
func TestFilterForPath(t *testing.T) {
	f := newFilter(Options{Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1"}})
	const (
		both    = "accounts and regions"
		regions = "regions"
		none    = "nothing"
	)
	for _, tt := range []struct {
		path    string
		keep    bool
		records string // what the records are filtered by
	}{
		{"/tmp/export/part.json", true, both},
		{"part.json", true, both},
		{"s3/AWSLogs/part.json", true, both},
		{"x/AWSLogs/111111111111/part.json", true, regions},
		{"x/AWSLogs/222222222222/part.json", false, none},
		{"x/AWSLogs/o-abc/111111111111/CloudTrail/eu-west-1/2024/03/01/part.json", true, none},
		{"x/AWSLogs/o-abc/111111111111/CloudTrail/us-east-1/2024/03/01/part.json", false, none},
		{"x/AWSLogs/111111111111/CloudTrail-Insight/eu-west-1/part.json", true, regions},
		{"x/AWSLogs/111111111111/CloudTrail/eu-west-1/part.json", true, none},
		// A delivered log file's name tells both, wherever it lies.
		{"copy/111111111111_CloudTrail_eu-west-1_20240301T0100Z_abc.json.gz", true, none},
		{"copy/111111111111_CloudTrail_us-east-1_20240301T0100Z_abc.json.gz", false, none},
		{"copy/222222222222_CloudTrail_eu-west-1_20240301T0100Z_abc.json.gz", false, none},
	} {
		keep, rec := f.forPath(strings.Split(tt.path, "/"))
		got := none
		switch {
		case rec.accounts != nil && rec.regions != nil:
			got = both
		case rec.accounts != nil:
			got = "accounts"
		case rec.regions != nil:
			got = regions
		}
		if keep != tt.keep || (keep && got != tt.records) {
			t.Errorf("forPath(%s) = %v, records filtered by %s; want %v, %s", tt.path, keep, got, tt.keep, tt.records)
		}
	}
	// No filter: everything is kept and no record is filtered.
	if keep, rec := (filter{}).forPath([]string{"x", "AWSLogs", "111111111111", "CloudTrail", "eu-west-1", "p.json"}); !keep || !rec.record("", "") {
		t.Errorf("without a filter: keep %v, a record passes %v", keep, rec.record("", ""))
	}
}

// mixedRecords is a log file of four root API calls, by two accounts in two
// regions, named by event ID A-us-east-1 and so on.
func mixedRecords() []byte {
	var recs []string
	for _, acct := range []string{"111111111111", "222222222222"} {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			recs = append(recs, fmt.Sprintf(`{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"%[1]s","arn":"arn:aws:iam::%[1]s:root","accountId":"%[1]s"},"eventTime":"2024-03-01T11:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"%[2]s","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2","requestParameters":null,"responseElements":null,"eventID":"%[1]s-%[2]s","eventType":"AwsApiCall","recipientAccountId":"%[1]s"}`, acct, region))
		}
	}
	return []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`)
}

// TestS3FiltersOutsideLayout: in S3 too, --accounts and --regions are judged
// by each record under a prefix outside the layout, and by the prefix the
// scan starts from inside it.
func TestS3FiltersOutsideLayout(t *testing.T) {
	acct := fake.New()
	if err := acct.Buckets().CreateBucket(t.Context(), "trail-bucket", "us-east-1", "", nil); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"export/mixed.json", "AWSLogs/111111111111/CloudTrail/us-east-1/2024/03/01/mixed.json"} {
		if err := acct.PutObject("trail-bucket", key, mixedRecords()); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(res Result) []string {
		var out []string
		for _, f := range res.Findings {
			out = append(out, f.Summary.EventID)
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		target            string
		accounts, regions []string
		want              []string
		files             int64
	}{
		{"s3://trail-bucket/export/", []string{"222222222222"}, nil, []string{"222222222222-eu-west-1", "222222222222-us-east-1"}, 1},
		{"s3://trail-bucket/export/", nil, []string{"eu-west-1"}, []string{"111111111111-eu-west-1", "222222222222-eu-west-1"}, 1},
		{"s3://trail-bucket/export/", []string{"333333333333"}, nil, nil, 1},
		// In the layout the path speaks for the records (all four here).
		{"s3://trail-bucket/AWSLogs/111111111111/", []string{"111111111111"}, []string{"us-east-1"}, []string{"111111111111-eu-west-1", "111111111111-us-east-1", "222222222222-eu-west-1", "222222222222-us-east-1"}, 1},
		{"s3://trail-bucket/AWSLogs/111111111111/", []string{"222222222222"}, nil, nil, 0},
	} {
		res := scanT(t, []string{tt.target}, Options{Account: acct, Accounts: tt.accounts, Regions: tt.regions})
		if diff := cmp.Diff(tt.want, ids(res)); diff != "" || res.Stats.Files != tt.files {
			t.Errorf("%s --accounts %v --regions %v: %d files read (want %d), findings (-want +got):\n%s", tt.target, tt.accounts, tt.regions, res.Stats.Files, tt.files, diff)
		}
	}
}

// TestLookupAccounts: the event history is the caller's account's; --accounts
// naming another account finds nothing in it, rather than being ignored.
func TestLookupAccounts(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	const id = "111111111111"
	acct := fake.NewWith(fake.Options{Regions: []string{"us-east-1"}})
	rec := ctgen.New(1, 1).Root(ctgen.APICall, now.Add(-time.Hour), id, "us-east-1")
	if err := acct.AddEvents("us-east-1", string(rec)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		accounts []string
		want     int
	}{
		{nil, 1},
		{[]string{id}, 1},
		{[]string{"222222222222", id}, 1},
		{[]string{"222222222222"}, 0},
	} {
		res := scanT(t, nil, Options{Lookup: true, Account: acct, Since: now.Add(-24 * time.Hour), Until: now, Accounts: tt.accounts,
			LookupPacing: Pacing{Clock: &tickClock{now: now}}})
		if len(res.Findings) != tt.want || len(res.Errors) != 0 {
			t.Errorf("--lookup --accounts %v: %d findings (want %d), errors %v", tt.accounts, len(res.Findings), tt.want, res.Errors)
		}
	}
}
