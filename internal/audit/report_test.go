package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const header = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"

func tp(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func bp(b bool) *bool { return &b }

func TestParseCredentialReport(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []CredentialRow
	}{
		{
			name: "root with N/A, not_supported and no_information",
			csv:  header + "<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00,not_supported,no_information,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
			want: []CredentialRow{{
				User: RootUser, ARN: "arn:aws:iam::123456789012:root", Created: tp("2019-03-01T10:00:00Z"),
				PasswordLastUsedRaw: "no_information", MFAActive: bp(false),
				AccessKeys:   [2]AccessKey{{Active: bp(false)}, {Active: bp(false)}},
				Certificates: [2]Certificate{{Active: bp(false)}, {Active: bp(false)}},
			}},
		},
		{
			name: "key 2 used recently, password long ago",
			csv:  header + "<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00,not_supported,2024-01-02T03:04:05+00:00,not_supported,not_supported,true,false,2020-01-01T00:00:00+00:00,2021-05-05T00:00:00+00:00,eu-west-1,ec2,true,2025-06-01T00:00:00+00:00,2026-11-20T08:00:00+00:00,us-east-1,s3,true,2020-02-02T00:00:00+00:00,false,N/A\n",
			want: []CredentialRow{{
				User: RootUser, ARN: "arn:aws:iam::123456789012:root", Created: tp("2019-03-01T10:00:00Z"),
				PasswordLastUsed: tp("2024-01-02T03:04:05Z"), PasswordLastUsedRaw: "2024-01-02T03:04:05+00:00", MFAActive: bp(true),
				AccessKeys: [2]AccessKey{
					{Active: bp(false), LastRotated: tp("2020-01-01T00:00:00Z"), LastUsed: tp("2021-05-05T00:00:00Z"), Region: "eu-west-1", Service: "ec2"},
					{Active: bp(true), LastRotated: tp("2025-06-01T00:00:00Z"), LastUsed: tp("2026-11-20T08:00:00Z"), Region: "us-east-1", Service: "s3"},
				},
				Certificates: [2]Certificate{{Active: bp(true), LastRotated: tp("2020-02-02T00:00:00Z")}, {Active: bp(false)}},
			}},
		},
		{
			name: "no root row, IAM user named root",
			csv:  header + "root,arn:aws:iam::123456789012:user/root,2020-01-01T00:00:00+00:00,true,N/A,2020-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
			want: []CredentialRow{{
				User: "root", ARN: "arn:aws:iam::123456789012:user/root", Created: tp("2020-01-01T00:00:00Z"),
				PasswordEnabled: bp(true), PasswordLastUsedRaw: "N/A", PasswordLastChanged: tp("2020-01-01T00:00:00Z"), MFAActive: bp(false),
				AccessKeys:   [2]AccessKey{{Active: bp(false)}, {Active: bp(false)}},
				Certificates: [2]Certificate{{Active: bp(false)}, {Active: bp(false)}},
			}},
		},
		{
			name: "columns reordered and missing, CRLF, Z times",
			csv:  "mfa_active,user,password_last_used\r\ntrue,<root_account>,2026-11-01T00:00:00Z\r\n",
			want: []CredentialRow{{User: RootUser, MFAActive: bp(true), PasswordLastUsed: tp("2026-11-01T00:00:00Z"), PasswordLastUsedRaw: "2026-11-01T00:00:00Z"}},
		},
		{
			name: "header only",
			csv:  header,
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ParseCredentialReport([]byte(tt.csv))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, rep.Rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			_, hasRoot := rep.Root()
			wantRoot := len(tt.want) > 0 && tt.want[0].User == RootUser
			if hasRoot != wantRoot {
				t.Errorf("Root() found = %v, want %v", hasRoot, wantRoot)
			}
		})
	}
}

func TestParseCredentialReportErrors(t *testing.T) {
	tests := []struct{ name, csv, want string }{
		{"empty", "", "empty"},
		{"no user column", "arn,mfa_active\nx,true\n", "no user column"},
		{"bad bool", header + "<root_account>,arn,N/A,not_supported,N/A,N/A,N/A,maybe,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n", `line 2, column mfa_active: "maybe" is not true or false`},
		{"bad time", header + "<root_account>,arn,yesterday,not_supported,N/A,N/A,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n", `column user_creation_time: "yesterday" is not a time`},
		{"bad quoting", header + "\"<root_account>,arn\n", "credential report:"},
		{"empty user", "user,arn\n,arn:x\n", "line 2: empty user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCredentialReport([]byte(tt.csv))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParseCredentialReport(f *testing.F) {
	f.Add([]byte(header + "<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00,not_supported,no_information,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"))
	f.Add([]byte(header + "<root_account>,arn,2019-03-01T10:00:00+00:00,not_supported,2024-01-02T03:04:05+00:00,not_supported,not_supported,true,true,2020-01-01T00:00:00+00:00,2021-05-05T00:00:00+00:00,eu-west-1,ec2,true,N/A,N/A,N/A,N/A,true,N/A,false,N/A\n"))
	f.Add([]byte("user\n\"a\"\"b\",x\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ParseCredentialReport(data)
		if err != nil {
			if rep != nil {
				t.Fatal("a report and an error")
			}
			return
		}
		for _, r := range rep.Rows {
			if r.User == "" {
				t.Fatalf("row without a user: %+v", r)
			}
		}
		// What parsed once audits without panicking.
		rep.Root()
	})
}
