package cloudtrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/golden"
)

// sample is one of the shared samples: a CloudTrail record or an EventBridge
// event, unwrapped from its provenance envelope.
type sample struct {
	name string
	body []byte
}

func loadSamples(t testing.TB) []sample {
	t.Helper()
	files, err := filepath.Glob("testdata/samples/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	var out []sample
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w struct {
			Event   json.RawMessage `json:"event"`
			Example json.RawMessage `json:"documented_example"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		body := w.Event
		if body == nil {
			body = w.Example
		}
		var recs struct {
			Records []json.RawMessage `json:"Records"`
		}
		if json.Unmarshal(body, &recs) == nil && len(recs.Records) > 0 {
			body = recs.Records[0] // the delivered-file form
		}
		name := filepath.Base(filepath.Dir(f)) + "_" + strings.TrimSuffix(filepath.Base(f), ".json")
		out = append(out, sample{name, body})
	}
	return out
}

func TestAppendEventGolden(t *testing.T) {
	for _, s := range loadSamples(t) {
		if IsEvent(s.body) {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			got, err := AppendEvent(nil, s.body)
			goldenPath := filepath.Join("testdata", "bridge", s.name+".json")
			if err != nil {
				// Documentation snippets without eventType (or with the docs'
				// misspelling "AwsConsoleSignin") are not deliverable records.
				got = []byte("error: " + err.Error() + "\n")
			} else {
				if !json.Valid(got) {
					t.Fatalf("invalid JSON: %s", got)
				}
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, got, "", "  "); err != nil {
					t.Fatal(err)
				}
				got = append(pretty.Bytes(), '\n')
			}
			golden.Check(t, goldenPath, got)
		})
	}
}

// The bridge agrees with AWS's own delivered events: the documented EventBridge
// envelopes, re-bridged from their detail, give the same envelope fields.
func TestAppendEventMatchesDocumentedEnvelopes(t *testing.T) {
	n := 0
	for _, s := range loadSamples(t) {
		if !IsEvent(s.body) {
			continue
		}
		n++
		var env map[string]json.RawMessage
		if err := json.Unmarshal(s.body, &env); err != nil {
			t.Fatal(err)
		}
		// The documented records omit recipientAccountId; AWS takes the
		// envelope's account from it.
		var detail map[string]any
		if err := json.Unmarshal(env["detail"], &detail); err != nil {
			t.Fatal(err)
		}
		if _, ok := detail["recipientAccountId"]; !ok {
			var acct string
			json.Unmarshal(env["account"], &acct)
			detail["recipientAccountId"] = acct
		}
		rec, _ := json.Marshal(detail)
		got, err := AppendEvent(nil, rec)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var gotEnv map[string]json.RawMessage
		if err := json.Unmarshal(got, &gotEnv); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"detail-type", "source", "account", "time", "region"} {
			if string(gotEnv[k]) != string(env[k]) {
				t.Errorf("%s: %s = %s, AWS delivered %s", s.name, k, gotEnv[k], env[k])
			}
		}
	}
	if n < 2 {
		t.Fatalf("only %d documented envelopes", n)
	}
}

func TestAppendEvent(t *testing.T) {
	tests := []struct {
		name, record, want string
	}{
		{
			"api call",
			` {"eventType":"AwsApiCall","eventSource":"s3.amazonaws.com","eventID":"abc","eventTime":"2026-10-14T09:10:02Z","awsRegion":"eu-west-1","recipientAccountId":"123456789012","x":[1,{"y":"}"}]} `,
			`{"version":"0","id":"abc","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"123456789012","time":"2026-10-14T09:10:02Z","region":"eu-west-1","resources":[],"detail":{"eventType":"AwsApiCall","eventSource":"s3.amazonaws.com","eventID":"abc","eventTime":"2026-10-14T09:10:02Z","awsRegion":"eu-west-1","recipientAccountId":"123456789012","x":[1,{"y":"}"}]}}`,
		},
		{
			"sign-in, missing fields, escaped key, last duplicate wins",
			`{"event\u0054ype":"AwsApiCall","eventType":"AwsConsoleSignIn","eventSource":"signin.amazonaws.com","eventID":1}`,
			`{"version":"0","id":"d3d8e6b4-4a74-8d9b-38aa-8b38e34d0cd2","detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","account":"","time":"","region":"","resources":[],"detail":{"event\u0054ype":"AwsApiCall","eventType":"AwsConsoleSignIn","eventSource":"signin.amazonaws.com","eventID":1}}`,
		},
		{
			"service event",
			`{"eventType":"AwsServiceEvent","eventSource":"health.amazonaws.com","eventID":"x"}`,
			`{"version":"0","id":"x","detail-type":"AWS Service Event via CloudTrail","source":"aws.health","account":"","time":"","region":"","resources":[],"detail":{"eventType":"AwsServiceEvent","eventSource":"health.amazonaws.com","eventID":"x"}}`,
		},
		{
			"insight",
			`{"eventType":"AwsCloudTrailInsight","eventSource":"ec2.amazonaws.com","eventID":"i"}`,
			`{"version":"0","id":"i","detail-type":"AWS Insight via CloudTrail","source":"aws.ec2","account":"","time":"","region":"","resources":[],"detail":{"eventType":"AwsCloudTrailInsight","eventSource":"ec2.amazonaws.com","eventID":"i"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendEvent([]byte("prefix"), []byte(tt.record))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatalf("dst not kept: %s", got)
			}
			got = got[len("prefix"):]
			if tt.name == "sign-in, missing fields, escaped key, last duplicate wins" {
				// the id is a digest; check its shape, then compare the rest
				var env struct{ ID string }
				json.Unmarshal(got, &env)
				if len(env.ID) != 36 || strings.Count(env.ID, "-") != 4 {
					t.Errorf("id %q is not UUID-shaped", env.ID)
				}
				got = bytes.Replace(got, []byte(env.ID), []byte("d3d8e6b4-4a74-8d9b-38aa-8b38e34d0cd2"), 1)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Error("invalid JSON")
			}
		})
	}
}

func TestAppendEventErrors(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `"x"`, `{`, `{"eventType":"AwsApiCall"`, `{"eventType":"AwsApiCall"} x`,
		`{"eventType":}`, `{"eventType":"AwsApiCall",}`, `{"eventType" "AwsApiCall"}`,
		`{"a":tru,"eventType":"AwsApiCall"}`, `{"a":"unterminated}`, `{"a":[1,2}`,
		`{}`, `{"eventType":"AwsConsoleSignin"}`, `{"eventType":42}`,
	} {
		dst := []byte("keep")
		got, err := AppendEvent(dst, []byte(in))
		if err == nil {
			t.Errorf("AppendEvent(%q) succeeded: %s", in, got)
			continue
		}
		if !errors.Is(err, ErrNotRecord) {
			t.Errorf("AppendEvent(%q): %v does not wrap ErrNotRecord", in, err)
		}
		if string(got) != "keep" {
			t.Errorf("AppendEvent(%q) changed dst to %q", in, got)
		}
	}
}

func TestIsEventAndToEvent(t *testing.T) {
	rec := []byte(`{"eventType":"AwsApiCall","eventSource":"iam.amazonaws.com","eventID":"e","detail":"not an envelope"}`)
	if IsEvent(rec) {
		t.Error("a record is an event")
	}
	ev, err := ToEvent(rec)
	if err != nil || !IsEvent(ev) {
		t.Fatalf("ToEvent(record) = %s, %v", ev, err)
	}
	again, err := ToEvent(ev)
	if err != nil || !bytes.Equal(again, ev) {
		t.Errorf("ToEvent(event) changed it: %s, %v", again, err)
	}
	for _, s := range []string{`{"detail-type":"x"}`, `{"detail":{}}`, `{"detail-type":"x","detail":{}`, `[]`} {
		if IsEvent([]byte(s)) {
			t.Errorf("IsEvent(%s)", s)
		}
	}
}

func TestSummarize(t *testing.T) {
	byName := map[string][]byte{}
	for _, s := range loadSamples(t) {
		byName[s.name] = s.body
	}
	tests := []struct {
		sample string
		want   Summary
	}{
		{"aws-docs_signin__07_Root_user_successful_sign_in_with_MFA", Summary{
			Time: time.Date(2022, 11, 10, 16, 24, 34, 0, time.UTC), Account: "111122223333", Region: "us-east-1",
			EventName: "ConsoleLogin", EventSource: "signin.amazonaws.com", EventType: "AwsConsoleSignIn",
			EventID: "deb1e1f9-c99b-4612-8e9f-21f93b5d79c0", SourceIP: "192.0.2.0",
			UserAgent:    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:62.0) Gecko/20100101 Firefox/62.0",
			IdentityType: "Root", ARN: "arn:aws:iam::111122223333:root", MFA: "Yes", Result: "Success",
		}},
		{"aws-docs_signin__08_Root_user_unsuccessful_sign_in", Summary{
			Time: time.Date(2022, 11, 10, 16, 24, 34, 0, time.UTC), Account: "111122223333", Region: "us-east-1",
			EventName: "ConsoleLogin", EventSource: "signin.amazonaws.com", EventType: "AwsConsoleSignIn",
			IdentityType: "Root", ARN: "arn:aws:iam::111122223333:root", MFA: "No", Result: "Failure",
			ErrorMessage: "Failed authentication",
		}},
		{"panther-analysis_aws_root_access_key_created__Root_Access_Key_Created", Summary{
			Time: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), Account: "123456789012", Region: "us-east-1",
			EventName: "CreateAccessKey", EventSource: "iam.amazonaws.com", EventType: "AwsApiCall", EventID: "1111",
			SourceIP: "111.111.111.111", UserAgent: "signin.amazonaws.com", IdentityType: "Root",
			ARN: "arn:aws:iam::123456789012:root", InvokedBy: "signin.amazonaws.com", MFA: "Yes", Result: "Success",
		}},
		{"panther-analysis_aws_root_password_changed__Root_Password_Change_Failed", Summary{
			Time: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), Account: "123456789012", Region: "us-east-1",
			EventName: "PasswordUpdated", EventSource: "signin.amazonaws.com", EventType: "AwsConsoleSignIn", EventID: "1111",
			SourceIP: "111.111.111.111", IdentityType: "Root",
			ARN: "arn:aws:iam::123456789012:root", Result: "Failure",
		}},
		{"aws-docs_cwe__83_Events_Delivered_Via_CloudTrail", Summary{}}, // filled below from the event
	}
	for _, tt := range tests {
		b, ok := byName[tt.sample]
		if !ok {
			t.Fatalf("no sample %s", tt.sample)
		}
		got, err := Summarize(b)
		if err != nil {
			t.Fatalf("%s: %v", tt.sample, err)
		}
		if tt.sample == "aws-docs_cwe__83_Events_Delivered_Via_CloudTrail" {
			if got.IdentityType != "Root" || got.EventName != "CreateBucket" || got.Result != "Success" || got.Time.IsZero() {
				t.Errorf("Summarize(event) = %+v", got)
			}
			continue
		}
		// Fields the samples leave out are compared as the sample has them.
		if diff := cmp.Diff(tt.want, got, cmpIgnoreUnset(tt.want)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.sample, diff)
		}
	}
	// Errors, the access-denied result and the assumed-root flag.
	got, err := Summarize([]byte(`{"eventTime":"2026-10-14T09:10:02Z","errorCode":"AccessDenied","userIdentity":{"type":"Root","accountId":"1","sessionContext":{"assumedRoot":"true","attributes":{"mfaAuthenticated":"false"}}}}`))
	if err != nil || got.Result != "AccessDenied" || !got.AssumedRoot || got.MFA != "No" || got.Account != "1" {
		t.Errorf("Summarize = %+v, %v", got, err)
	}
	for _, bad := range []string{`{`, `{"eventTime":"yesterday"}`, `{"detail-type":"x","detail":[1]}`} {
		if _, err := Summarize([]byte(bad)); err == nil {
			t.Errorf("Summarize(%s) succeeded", bad)
		}
	}
}

// cmpIgnoreUnset ignores EventID when the expectation leaves it empty (some
// documented examples have one, and the test need not spell it out).
func cmpIgnoreUnset(want Summary) cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".EventID" && want.EventID == "" ||
			p.Last().String() == ".SourceIP" && want.SourceIP == "" ||
			p.Last().String() == ".UserAgent" && want.UserAgent == ""
	}, cmp.Ignore())
}

func FuzzAppendEvent(f *testing.F) {
	for _, s := range loadSamples(f) {
		f.Add(s.body)
	}
	f.Add([]byte(`{"eventType":"AwsApiCall","eventSource":"a\"b","eventID":"\u0000"}`))
	f.Add([]byte(`{"eventType":"AwsApiCall","eventID":{},"eventTime":1,"awsRegion":null}`))
	f.Fuzz(func(t *testing.T, record []byte) {
		out, err := AppendEvent(nil, record)
		var obj map[string]json.RawMessage
		validObject := json.Unmarshal(record, &obj) == nil
		if err != nil {
			if validObject {
				if et, ok := obj["eventType"]; ok {
					var s string
					if json.Unmarshal(et, &s) == nil {
						src, hasSrc := obj["eventSource"]
						if _, known := detailTypes[s]; known && (!hasSrc || src[0] == '"') {
							t.Fatalf("valid record with eventType %q rejected: %v", s, err)
						}
					}
				}
			}
			return
		}
		if validObject && !json.Valid(out) {
			t.Fatalf("valid object %q bridged to invalid JSON %q", record, out)
		}
		if validObject {
			var env struct {
				Detail json.RawMessage `json:"detail"`
			}
			if err := json.Unmarshal(out, &env); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(env.Detail, bytes.TrimSpace(record)) {
				t.Fatalf("detail %q is not the record %q", env.Detail, record)
			}
			if !IsEvent(out) {
				t.Fatal("bridged event is not an event")
			}
		}
	})
}

func BenchmarkAppendEvent(b *testing.B) {
	s := loadSamples(b)
	var rec []byte
	for _, x := range s {
		if strings.Contains(x.name, "Root_Activity") && !IsEvent(x.body) {
			rec = x.body
			break
		}
	}
	b.SetBytes(int64(len(rec)))
	var dst []byte
	for b.Loop() {
		var err error
		dst, err = AppendEvent(dst[:0], rec)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzSummarize(f *testing.F) {
	for _, s := range loadSamples(f) {
		f.Add(s.body)
	}
	f.Add([]byte(`{"detail-type":"x","detail":{"eventTime":"2026-10-14T09:10:02Z","additionalEventData":{"MFAUsed":true}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Summarize(b)
		if err == nil && !s.Time.IsZero() && s.Time.Location() != time.UTC {
			t.Fatalf("time %v is not UTC", s.Time)
		}
	})
}
