package cloudtrail

// The bridge sits on scan's hot path: AppendEvent does not decode the record. It
// walks the record's top level once, picks out the few fields the envelope needs,
// and appends bytes.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Detail types of the events CloudTrail delivers to EventBridge, by the record's
// eventType. Documented at
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html;
// the sign-in spelling is the one every delivered event uses ("Sign In", not the
// "Signin" of one docs page).
var detailTypes = map[string]string{
	"AwsApiCall":           "AWS API Call via CloudTrail",
	"AwsConsoleSignIn":     "AWS Console Sign In via CloudTrail",
	"AwsConsoleAction":     "AWS Console Action via CloudTrail",
	"AwsServiceEvent":      "AWS Service Event via CloudTrail",
	"AwsCloudTrailInsight": "AWS Insight via CloudTrail",
}

// DetailType returns the EventBridge detail-type for a CloudTrail eventType, and
// whether the eventType is one CloudTrail delivers to EventBridge.
func DetailType(eventType string) (string, bool) {
	dt, ok := detailTypes[eventType]
	return dt, ok
}

// Source returns the EventBridge source for a CloudTrail eventSource:
// "signin.amazonaws.com" becomes "aws.signin", "s3.amazonaws.com" "aws.s3".
func Source(eventSource string) string {
	return "aws." + strings.TrimSuffix(eventSource, ".amazonaws.com")
}

// ErrNotRecord is wrapped by AppendEvent's errors for input that is not a
// CloudTrail record it can bridge.
var ErrNotRecord = errors.New("not a CloudTrail record")

// AppendEvent appends to dst the EventBridge event AWS would deliver for the
// CloudTrail log record (the raw bytes of one JSON object, as found in a log
// file's Records array or in LookupEvents' CloudTrailEvent):
//
//	{"version":"0","id":…,"detail-type":…,"source":"aws.<service>","account":recipientAccountId,
//	 "time":eventTime,"region":awsRegion,"resources":[],"detail":<the record, byte for byte>}
//
// The id is the record's eventID when it has one (AWS assigns a fresh id on
// delivery; a deterministic one keeps scans reproducible), else a digest of the
// record. AppendEvent does not validate the record beyond its top level: nested
// values are skipped, not checked. On error dst is returned unchanged.
func AppendEvent(dst, record []byte) ([]byte, error) {
	f, err := topFields(record)
	if err != nil {
		return dst, err
	}
	if f.eventType == nil {
		return dst, fmt.Errorf("%w: no eventType", ErrNotRecord)
	}
	dt, err := detailTypeOf(f.eventType)
	if err != nil {
		return dst, err
	}
	if f.eventSource != nil && !isString(f.eventSource) {
		return dst, fmt.Errorf("%w: eventSource is not a string", ErrNotRecord)
	}
	dst = append(dst, `{"version":"0","id":`...)
	if f.eventID != nil && isString(f.eventID) {
		dst = append(dst, f.eventID...)
	} else {
		sum := sha256.Sum256(record)
		dst = append(dst, '"')
		dst = appendUUID(dst, sum[:16])
		dst = append(dst, '"')
	}
	dst = append(dst, `,"detail-type":"`...)
	dst = append(dst, dt...)
	dst = append(dst, `","source":`...)
	dst = appendSource(dst, f.eventSource)
	dst = appendField(dst, "account", f.account)
	dst = appendField(dst, "time", f.eventTime)
	dst = appendField(dst, "region", f.awsRegion)
	dst = append(dst, `,"resources":[],"detail":`...)
	dst = append(dst, f.object...)
	dst = append(dst, '}')
	return dst, nil
}

// appendField appends ,"name":value where value is the raw JSON of a top-level
// string field, or "" when the record lacks it.
func appendField(dst []byte, name string, raw []byte) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	if raw != nil && isString(raw) {
		return append(dst, raw...)
	}
	return append(dst, `""`...)
}

func appendUUID(dst, b []byte) []byte {
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], b[10:16])
	return append(dst, buf[:]...)
}

// detailTypeOf maps the raw eventType value to the detail-type.
func detailTypeOf(raw []byte) (string, error) {
	if !isString(raw) {
		return "", fmt.Errorf("%w: eventType is not a string", ErrNotRecord)
	}
	if dt, ok := detailTypes[string(raw[1:len(raw)-1])]; ok { // no allocation
		return dt, nil
	}
	et, err := stringValue(raw)
	if err != nil {
		return "", fmt.Errorf("%w: eventType: %v", ErrNotRecord, err)
	}
	dt, ok := detailTypes[et]
	if !ok {
		return "", fmt.Errorf("%w: eventType %q is not delivered to EventBridge", ErrNotRecord, et)
	}
	return dt, nil
}

// appendSource appends the JSON string "aws.<service>" for the raw eventSource
// value (a JSON string or nil).
func appendSource(dst, raw []byte) []byte {
	if raw == nil {
		return append(dst, `"aws.unknown"`...)
	}
	inner := raw[1 : len(raw)-1]
	if containsByte(inner, '\\') {
		es, err := stringValue(raw)
		if err != nil {
			return append(dst, `"aws.unknown"`...)
		}
		b, _ := json.Marshal(Source(es)) // a string always marshals
		return append(dst, b...)
	}
	dst = append(dst, `"aws.`...)
	dst = append(dst, bytes.TrimSuffix(inner, []byte(".amazonaws.com"))...)
	return append(dst, '"')
}

// IsEvent reports whether b looks like an EventBridge event rather than a
// CloudTrail record: a JSON object whose top level has "detail-type" and
// "detail". It reads only the top level.
func IsEvent(b []byte) bool {
	var seenDT, seenDetail bool
	err := walkTop(b, func(key, raw []byte) bool {
		switch string(key) {
		case "detail-type":
			seenDT = true
		case "detail":
			seenDetail = true
		}
		return !(seenDT && seenDetail)
	})
	return err == nil && seenDT && seenDetail
}

// ToEvent returns b itself when it is an EventBridge event, and the bridged
// event when it is a CloudTrail record.
func ToEvent(b []byte) ([]byte, error) {
	if IsEvent(b) {
		return b, nil
	}
	return AppendEvent(nil, b)
}

// fields are the raw JSON values of the record's top-level fields the envelope
// needs; nil when absent.
type fields struct {
	object                                                         []byte // the whole object, without surrounding white space
	eventType, eventSource, eventID, eventTime, awsRegion, account []byte
}

func topFields(record []byte) (fields, error) {
	var f fields
	err := walkTop(record, func(key, raw []byte) bool {
		switch string(key) {
		case "eventType":
			f.eventType = raw
		case "eventSource":
			f.eventSource = raw
		case "eventID":
			f.eventID = raw
		case "eventTime":
			f.eventTime = raw
		case "awsRegion":
			f.awsRegion = raw
		case "recipientAccountId":
			f.account = raw
		}
		return true
	})
	if err != nil {
		return f, err
	}
	i, j := 0, len(record)
	for i < j && isSpace(record[i]) {
		i++
	}
	for j > i && isSpace(record[j-1]) {
		j--
	}
	f.object = record[i:j]
	return f, nil
}

func isString(raw []byte) bool { return len(raw) >= 2 && raw[0] == '"' }

// stringValue decodes a raw JSON string.
func stringValue(raw []byte) (string, error) {
	if !isString(raw) {
		return "", errors.New("not a string")
	}
	inner := raw[1 : len(raw)-1]
	if !containsByte(inner, '\\') {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
