package cloud

import "context"

// Config is how the user named the account to reach, in the AWS CLI's terms.
// Empty fields mean the SDK's defaults (environment, shared config files).
type Config struct {
	Profile     string
	Region      string
	EndpointURL string // also taken from AWS_ENDPOINT_URL by the SDK
}

// Connector opens an account. cmd/rootwatch wires in the AWS adapter's.
type Connector func(ctx context.Context, c Config) (Account, error)
