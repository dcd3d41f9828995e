package awscloud

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Service error codes by meaning.
var (
	notFoundCodes = []string{
		"NotFound", "NotFoundException", "ResourceNotFoundException", "NoSuchEntity",
		"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
		"NoSuchBucket", "NoSuchKey", "NoSuchBucketPolicy",
		"TrailNotFoundException",
	}
	existsCodes = []string{
		"ResourceAlreadyExistsException", "EntityAlreadyExists", "AlreadyExistsException",
		"QueueAlreadyExists", "QueueNameExists", "QueueAlreadyExistsException",
		"BucketAlreadyOwnedByYou", "BucketAlreadyExists",
		"TrailAlreadyExistsException",
	}
	throttleCodes = []string{
		"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
		"RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
	}
	unsupportedCodes = []string{"NotImplemented", "NotImplementedException", "InvalidAction", "UnknownOperationException"}
)

// kindError keeps the service's error text and adds a cloud sentinel to what it
// wraps.
type kindError struct {
	err  error
	kind error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

// mapErr classifies a service error by its code (and, for the few services that
// say it only in words, its message). An endpoint that could not be reached
// is said in a few words (cannot reach HOST: connection refused) instead of
// the SDK's retry chain.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if u := unreachable(err); u != nil {
		return u
	}
	if kind := classify(err); kind != nil {
		return &kindError{err: err, kind: kind}
	}
	return err
}

func classify(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		code, msg := api.ErrorCode(), api.ErrorMessage()
		switch {
		case slices.Contains(notFoundCodes, code):
			return cloud.ErrNotFound
		case slices.Contains(existsCodes, code):
			return cloud.ErrAlreadyExists
		case slices.Contains(throttleCodes, code):
			return cloud.ErrThrottled
		case slices.Contains(unsupportedCodes, code):
			return cloud.ErrUnsupported
		case code == "InvalidParameter" && strings.Contains(msg, "already exists"):
			return cloud.ErrAlreadyExists // SNS CreateTopic with different tags
		case code == "InvalidParameter" && strings.Contains(msg, "does not exist"):
			return cloud.ErrNotFound
		}
		if strings.Contains(msg, "has not been implemented") || strings.Contains(msg, "not yet implemented") {
			return cloud.ErrUnsupported // moto's way of saying it
		}
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		switch resp.HTTPStatusCode() {
		case http.StatusNotFound:
			// S3 HEAD requests carry no error code, only the status.
			if api == nil || api.ErrorCode() == "NotFound" || api.ErrorCode() == "" {
				return cloud.ErrNotFound
			}
		case http.StatusNotImplemented:
			return cloud.ErrUnsupported
		case http.StatusInternalServerError:
			// AWS's own 500s are service errors with a code. A 500 whose body
			// is not one (moto's HTML page for an action it has not
			// implemented) means the endpoint cannot answer at all.
			var de *smithy.DeserializationError
			if api == nil && errors.As(err, &de) {
				return cloud.ErrUnsupported
			}
		}
	}
	return nil
}

// unreachableError is an endpoint that gave no answer at all.
type unreachableError struct {
	host string
	err  error // the network error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v", e.host, e.err)
}

func (e *unreachableError) Unwrap() []error { return []error{e.err, cloud.ErrUnreachable} }

// unreachable returns an unreachableError when err is a request that never got
// an answer: a refused or failed connection, an unknown host, a timeout while
// dialling. A service error (any HTTP answer) is not.
func unreachable(err error) error {
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() != 0 {
		return nil // the endpoint answered
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		return nil
	}
	host := ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
		host = u.Scheme + "://" + u.Host
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &unreachableError{host: host, err: dns}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		cause := op.Err
		var sys *net.OpError
		if errors.As(cause, &sys) {
			cause = sys.Err
		}
		return &unreachableError{host: host, err: cause}
	}
	return nil
}
