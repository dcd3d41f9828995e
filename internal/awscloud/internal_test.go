package awscloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func TestManagement(t *testing.T) {
	sel := func(rw types.ReadWriteType, mgmt bool) types.EventSelector {
		return types.EventSelector{ReadWriteType: rw, IncludeManagementEvents: aws.Bool(mgmt)}
	}
	adv := func(fields ...types.AdvancedFieldSelector) types.AdvancedEventSelector {
		return types.AdvancedEventSelector{FieldSelectors: fields}
	}
	field := func(name string, equals ...string) types.AdvancedFieldSelector {
		return types.AdvancedFieldSelector{Field: aws.String(name), Equals: equals}
	}
	tests := []struct {
		name     string
		basic    []types.EventSelector
		advanced []types.AdvancedEventSelector
		want     cloud.Management
	}{
		{"no selectors: the default", nil, nil, cloud.ManagementAll},
		{"basic all", []types.EventSelector{sel(types.ReadWriteTypeAll, true)}, nil, cloud.ManagementAll},
		{"basic write only", []types.EventSelector{sel(types.ReadWriteTypeWriteOnly, true)}, nil, cloud.ManagementWriteOnly},
		{"basic read only", []types.EventSelector{sel(types.ReadWriteTypeReadOnly, true)}, nil, cloud.ManagementReadOnly},
		{"basic read + write", []types.EventSelector{sel(types.ReadWriteTypeReadOnly, true), sel(types.ReadWriteTypeWriteOnly, true)}, nil, cloud.ManagementAll},
		{"basic data events only", []types.EventSelector{sel(types.ReadWriteTypeAll, false)}, nil, cloud.ManagementNone},
		{"advanced management", nil, []types.AdvancedEventSelector{adv(field("eventCategory", "Management"))}, cloud.ManagementAll},
		{"advanced management write", nil, []types.AdvancedEventSelector{adv(field("eventCategory", "Management"), field("readOnly", "false"))}, cloud.ManagementWriteOnly},
		{"advanced management read", nil, []types.AdvancedEventSelector{adv(field("eventCategory", "Management"), field("readOnly", "true"))}, cloud.ManagementReadOnly},
		{"advanced data only", nil, []types.AdvancedEventSelector{adv(field("eventCategory", "Data"), field("resources.type", "AWS::S3::Object"))}, cloud.ManagementNone},
		{"advanced management without KMS", nil, []types.AdvancedEventSelector{adv(field("eventCategory", "Management"), types.AdvancedFieldSelector{Field: aws.String("eventSource"), NotEquals: []string{"kms.amazonaws.com"}})}, cloud.ManagementAll},
	}
	for _, tt := range tests {
		if got := management(tt.basic, tt.advanced); got != tt.want {
			t.Errorf("%s: management = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMapErr(t *testing.T) {
	api := func(code, msg string) error {
		return fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: code, Message: msg})
	}
	tests := []struct {
		err  error
		want error // nil: no sentinel
	}{
		{api("NotFound", "Topic does not exist"), cloud.ErrNotFound},
		{api("ResourceNotFoundException", "Rule x does not exist"), cloud.ErrNotFound},
		{api("NoSuchEntity", "The role with name x cannot be found"), cloud.ErrNotFound},
		{api("AWS.SimpleQueueService.NonExistentQueue", ""), cloud.ErrNotFound},
		{api("QueueDoesNotExist", ""), cloud.ErrNotFound},
		{api("NoSuchBucket", ""), cloud.ErrNotFound},
		{api("NoSuchBucketPolicy", ""), cloud.ErrNotFound},
		{api("TrailNotFoundException", ""), cloud.ErrNotFound},
		{api("NotFoundException", "Alias not found"), cloud.ErrNotFound},
		{api("EntityAlreadyExists", ""), cloud.ErrAlreadyExists},
		{api("ResourceAlreadyExistsException", ""), cloud.ErrAlreadyExists},
		{api("QueueAlreadyExists", ""), cloud.ErrAlreadyExists},
		{api("InvalidParameter", "Invalid parameter: Tags Reason: Topic already exists with different tags"), cloud.ErrAlreadyExists},
		{api("ThrottlingException", "Rate exceeded"), cloud.ErrThrottled},
		{api("AccessDeniedException", "no"), nil},
		{api("ValidationException", "Rule can't be deleted since it has targets."), nil},
		{errors.New("dial tcp: connection refused"), nil},
	}
	sentinels := []error{cloud.ErrNotFound, cloud.ErrAlreadyExists, cloud.ErrThrottled, cloud.ErrUnsupported}
	for _, tt := range tests {
		got := mapErr(tt.err)
		if got.Error() != tt.err.Error() {
			t.Errorf("mapErr changed the message: %q -> %q", tt.err, got)
		}
		for _, s := range sentinels {
			if errors.Is(got, s) != (s == tt.want) {
				t.Errorf("mapErr(%v): errors.Is(%v) = %v", tt.err, s, errors.Is(got, s))
			}
		}
	}
}

// TestPattern must tell "no match" from "no answer": moto's reply has no Result
// field, which the SDK would read as false.
func TestTestPatternAnswer(t *testing.T) {
	for _, tt := range []struct {
		body    string
		want    bool
		unsupp  bool
		comment string
	}{
		{`{"Result":true}`, true, false, "match"},
		{`{"Result":false}`, false, false, "no match"},
		{`{}`, false, true, "moto: no Result"},
		{``, false, true, "empty body"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			fmt.Fprint(w, tt.body)
		}))
		t.Setenv("AWS_ACCESS_KEY_ID", "testing")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
		a, err := ConnectWith(context.Background(), cloud.Config{Region: "us-east-1", EndpointURL: srv.URL}, Options{MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Events("us-east-1").TestPattern(context.Background(), `{"source":["x"]}`, `{}`)
		srv.Close()
		if tt.unsupp {
			if !errors.Is(err, cloud.ErrUnsupported) {
				t.Errorf("%s: err = %v, want ErrUnsupported", tt.comment, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: TestPattern = %v, %v; want %v", tt.comment, got, err, tt.want)
		}
	}
}

// Errors as endpoints send them: an HTML 500 (moto's "not implemented") means
// the endpoint cannot answer; AWS's throttling and not-found codes map to their
// sentinels.
func TestErrorsOnTheWire(t *testing.T) {
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		want   error
	}{
		{"moto not implemented", 500, "text/html", "<!doctype html><title>500 Internal Server Error</title>", cloud.ErrUnsupported},
		{"throttled", 400, "application/x-amz-json-1.1", `{"__type":"ThrottlingException","message":"Rate exceeded"}`, cloud.ErrThrottled},
		{"AWS internal error is not a gap", 500, "application/x-amz-json-1.1", `{"__type":"InternalFailure","message":"oops"}`, nil},
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tt.ctype)
			w.WriteHeader(tt.status)
			fmt.Fprint(w, tt.body)
		}))
		a, err := ConnectWith(context.Background(), cloud.Config{Region: "us-east-1", EndpointURL: srv.URL}, Options{MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Trails("us-east-1").Lookup(context.Background(), time.Time{}, time.Time{}, "")
		srv.Close()
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, s := range []error{cloud.ErrUnsupported, cloud.ErrThrottled, cloud.ErrNotFound} {
			if errors.Is(err, s) != (s == tt.want) {
				t.Errorf("%s: %v: errors.Is(%v) = %v", tt.name, err, s, errors.Is(err, s))
			}
		}
	}
}
