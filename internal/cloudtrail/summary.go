package cloudtrail

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Summary is what a report says about one CloudTrail event.
type Summary struct {
	Time         time.Time
	Account      string // recipientAccountId (the account the event belongs to)
	Region       string
	EventName    string
	EventSource  string
	EventType    string // AwsApiCall, AwsConsoleSignIn, ...
	EventID      string
	SourceIP     string
	UserAgent    string
	IdentityType string // userIdentity.type: Root, IAMUser, AssumedRole, ...
	ARN          string // userIdentity.arn
	InvokedBy    string // userIdentity.invokedBy
	// AssumedRoot is set for sessions from centralized root access
	// (userIdentity.sessionContext.assumedRoot "true").
	AssumedRoot bool
	// MFA is "Yes" or "No" when the event says (a console sign-in's MFAUsed, a
	// session's mfaAuthenticated), "" when it does not.
	MFA string
	// Result is "Success" or "Failure" for console events
	// (responseElements.<eventName>), the errorCode for a failed API call, and
	// "Success" for an API call without one.
	Result       string
	ErrorMessage string
}

// record is the part of a CloudTrail record Summarize reads.
type record struct {
	EventTime          string `json:"eventTime"`
	RecipientAccountID string `json:"recipientAccountId"`
	AWSRegion          string `json:"awsRegion"`
	EventName          string `json:"eventName"`
	EventSource        string `json:"eventSource"`
	EventType          string `json:"eventType"`
	EventID            string `json:"eventID"`
	SourceIPAddress    string `json:"sourceIPAddress"`
	UserAgent          string `json:"userAgent"`
	ErrorCode          string `json:"errorCode"`
	ErrorMessage       string `json:"errorMessage"`
	UserIdentity       struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		AccountID      string `json:"accountId"`
		InvokedBy      string `json:"invokedBy"`
		SessionContext struct {
			AssumedRoot any `json:"assumedRoot"`
			Attributes  struct {
				MFAAuthenticated any `json:"mfaAuthenticated"`
			} `json:"attributes"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData struct {
		MFAUsed any `json:"MFAUsed"`
	} `json:"additionalEventData"`
}

// Summarize extracts a Summary from a CloudTrail record or from an EventBridge
// event carrying one in its detail. It decodes the whole input: use it on
// findings, not on every event.
func Summarize(recordOrEvent []byte) (Summary, error) {
	b := recordOrEvent
	if IsEvent(b) {
		var env struct {
			Detail  json.RawMessage `json:"detail"`
			Account string          `json:"account"`
			Region  string          `json:"region"`
			Time    string          `json:"time"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			return Summary{}, fmt.Errorf("summarize event: %w", err)
		}
		b = env.Detail
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Summary{}, fmt.Errorf("summarize record: %w", err)
	}
	s := Summary{
		Account:      r.RecipientAccountID,
		Region:       r.AWSRegion,
		EventName:    r.EventName,
		EventSource:  r.EventSource,
		EventType:    r.EventType,
		EventID:      r.EventID,
		SourceIP:     r.SourceIPAddress,
		UserAgent:    r.UserAgent,
		IdentityType: r.UserIdentity.Type,
		ARN:          r.UserIdentity.ARN,
		InvokedBy:    r.UserIdentity.InvokedBy,
		AssumedRoot:  truthy(r.UserIdentity.SessionContext.AssumedRoot),
		ErrorMessage: r.ErrorMessage,
	}
	if s.Account == "" {
		s.Account = r.UserIdentity.AccountID
	}
	if r.EventTime != "" {
		t, err := time.Parse(time.RFC3339, r.EventTime)
		if err != nil {
			return s, fmt.Errorf("summarize record %s: eventTime: %w", r.EventID, err)
		}
		s.Time = t.UTC()
	}
	switch {
	case r.AdditionalEventData.MFAUsed != nil:
		s.MFA = yesNo(r.AdditionalEventData.MFAUsed)
	case r.UserIdentity.SessionContext.Attributes.MFAAuthenticated != nil:
		s.MFA = yesNo(r.UserIdentity.SessionContext.Attributes.MFAAuthenticated)
	}
	s.Result = result(r)
	return s, nil
}

// result is the outcome of the event: a console event's
// responseElements.<eventName> ("Success"/"Failure"), else the error code, else
// "Success".
func result(r record) string {
	if r.ErrorCode != "" {
		return r.ErrorCode
	}
	if len(r.ResponseElements) > 0 && r.ResponseElements[0] == '{' {
		var m map[string]any
		if json.Unmarshal(r.ResponseElements, &m) == nil {
			if v, ok := m[r.EventName].(string); ok && v != "" {
				return v
			}
		}
	}
	if r.EventType == "AwsConsoleSignIn" && r.ErrorMessage != "" {
		return "Failure"
	}
	return "Success"
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

func yesNo(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "Yes"
		}
		return "No"
	case string:
		switch strings.ToLower(v) {
		case "yes", "true":
			return "Yes"
		case "no", "false":
			return "No"
		}
		return v
	}
	return ""
}
