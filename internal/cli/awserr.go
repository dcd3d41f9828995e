package cli

import (
	"errors"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Hints for failures to reach AWS at all, whatever the command.
const (
	hintUnreachable   = "check the network, and --endpoint-url (or AWS_ENDPOINT_URL) if you set one: this is not a credentials problem"
	hintNoCredentials = "set up credentials as for the AWS CLI: aws configure, aws sso login, --profile NAME (or AWS_PROFILE), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)

// frameAWSError gives an error from reaching AWS the hint that fits it, in
// place of whatever hint the command guessed: an endpoint that cannot be
// reached is not a credentials problem, and having no credentials at all
// needs them set up, not permissions checked. Other errors pass unchanged.
func frameAWSError(err error) error {
	switch {
	case errors.Is(err, cloud.ErrUnreachable):
		return withHint(err, hintUnreachable)
	case errors.Is(err, cloud.ErrNoCredentials):
		return withHint(err, hintNoCredentials)
	}
	return err
}
