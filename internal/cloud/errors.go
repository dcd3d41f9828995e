package cloud

import "errors"

// ErrNoCredentials is wrapped by errors that mean no AWS credentials could be
// found or loaded: nothing was asked of AWS.
var ErrNoCredentials = errors.New("no AWS credentials")

// ErrUnreachable is wrapped by errors that mean the endpoint could not be
// reached at all (refused connection, unknown host, timeout before an
// answer): not a credentials or permissions problem.
var ErrUnreachable = errors.New("endpoint unreachable")
