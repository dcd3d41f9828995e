// Package awscloud implements the cloud interfaces with the AWS SDK for Go v2. It is
// the only package that imports the SDK's service clients.
package awscloud

import (
	"context"
	"errors"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Connect opens the account that c names.
func Connect(ctx context.Context, c cloud.Config) (cloud.Account, error) {
	return nil, errors.New("awscloud: not implemented yet")
}
