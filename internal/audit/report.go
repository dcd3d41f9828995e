package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// RootUser is the user column of the root account's row in a credential report.
const RootUser = "<root_account>"

// CredentialRow is one row of an IAM credential report. Values the report gives
// as N/A, not_supported, no_information or leaves empty are nil (or ""), with
// the raw word kept where it carries meaning (PasswordLastUsedNote).
type CredentialRow struct {
	User                string
	ARN                 string
	Created             *time.Time
	PasswordEnabled     *bool // always nil for root: AWS reports not_supported
	PasswordLastUsed    *time.Time
	PasswordLastUsedRaw string // the raw value: a time, "N/A", "no_information"
	PasswordLastChanged *time.Time
	MFAActive           *bool
	AccessKeys          [2]AccessKey
	Certificates        [2]Certificate
}

// AccessKey is one of a user's two access key slots in the report.
type AccessKey struct {
	Active      *bool
	LastRotated *time.Time
	LastUsed    *time.Time
	Region      string // where it was last used; "" when never or unknown
	Service     string // which service it last called; "" when never or unknown
}

// Certificate is one of a user's two signing certificate slots.
type Certificate struct {
	Active      *bool
	LastRotated *time.Time
}

// CredentialReport is a parsed IAM credential report.
type CredentialReport struct {
	Rows []CredentialRow
}

// Root returns the root account's row, if the report has one.
func (r *CredentialReport) Root() (CredentialRow, bool) {
	for _, row := range r.Rows {
		if row.User == RootUser {
			return row, true
		}
	}
	return CredentialRow{}, false
}

// ParseCredentialReport parses the CSV of an IAM credential report. Columns are
// found by their header names, so a report with columns added, reordered or
// missing parses; a missing column leaves its field nil. A value that is neither
// one of the report's placeholder words nor of the column's type is an error
// naming its line and column.
func ParseCredentialReport(data []byte) (*CredentialReport, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("credential report: empty")
	}
	if err != nil {
		return nil, fmt.Errorf("credential report: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	if _, ok := col["user"]; !ok {
		return nil, fmt.Errorf("credential report: header has no user column: %q", strings.Join(header, ","))
	}
	rep := &CredentialReport{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("credential report: %w", err)
		}
		line, _ := cr.FieldPos(0)
		p := rowParser{rec: rec, col: col, line: line}
		row := CredentialRow{
			User:                p.str("user"),
			ARN:                 p.str("arn"),
			Created:             p.time("user_creation_time"),
			PasswordEnabled:     p.bool("password_enabled"),
			PasswordLastUsed:    p.time("password_last_used"),
			PasswordLastUsedRaw: p.str("password_last_used"),
			PasswordLastChanged: p.time("password_last_changed"),
			MFAActive:           p.bool("mfa_active"),
		}
		for i := range row.AccessKeys {
			k := fmt.Sprintf("access_key_%d_", i+1)
			row.AccessKeys[i] = AccessKey{
				Active:      p.bool(k + "active"),
				LastRotated: p.time(k + "last_rotated"),
				LastUsed:    p.time(k + "last_used_date"),
				Region:      p.word(k + "last_used_region"),
				Service:     p.word(k + "last_used_service"),
			}
			c := fmt.Sprintf("cert_%d_", i+1)
			row.Certificates[i] = Certificate{
				Active:      p.bool(c + "active"),
				LastRotated: p.time(c + "last_rotated"),
			}
		}
		if p.err != nil {
			return nil, p.err
		}
		if row.User == "" {
			return nil, fmt.Errorf("credential report: line %d: empty user", line)
		}
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

// rowParser reads typed values from one record, keeping the first error.
type rowParser struct {
	rec  []string
	col  map[string]int
	line int
	err  error
}

func (p *rowParser) str(name string) string {
	i, ok := p.col[name]
	if !ok || i >= len(p.rec) {
		return ""
	}
	return strings.TrimSpace(p.rec[i])
}

// placeholder reports whether v is one of the words the report uses for "no value".
func placeholder(v string) bool {
	switch strings.ToLower(v) {
	case "", "n/a", "not_supported", "no_information", "-":
		return true
	}
	return false
}

// word is a free-text value, "" for a placeholder.
func (p *rowParser) word(name string) string {
	v := p.str(name)
	if placeholder(v) {
		return ""
	}
	return v
}

func (p *rowParser) fail(name, v, want string) {
	if p.err == nil {
		p.err = fmt.Errorf("credential report: line %d, column %s: %q is not %s", p.line, name, v, want)
	}
}

func (p *rowParser) bool(name string) *bool {
	v := p.str(name)
	if placeholder(v) {
		return nil
	}
	var b bool
	switch strings.ToLower(v) {
	case "true":
		b = true
	case "false":
		b = false
	default:
		p.fail(name, v, "true or false")
		return nil
	}
	return &b
}

// timeLayouts are the layouts seen in credential reports: ISO 8601 with an
// offset ("2026-10-14T09:10:02+00:00") and with Z.
var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05"}

func (p *rowParser) time(name string) *time.Time {
	v := p.str(name)
	if placeholder(v) {
		return nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			t = t.UTC()
			return &t
		}
	}
	p.fail(name, v, "a time")
	return nil
}
