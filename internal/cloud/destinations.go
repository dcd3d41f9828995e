package cloud

import (
	"context"
	"time"
)

// ConnectionState is an EventBridge connection's state. Only an AUTHORIZED
// connection's API destinations are invoked.
type ConnectionState string

const (
	ConnectionAuthorized   ConnectionState = "AUTHORIZED"
	ConnectionDeauthorized ConnectionState = "DEAUTHORIZED"
)

// DestinationState is an API destination's state. An INACTIVE destination is
// not invoked.
type DestinationState string

const (
	DestinationActive   DestinationState = "ACTIVE"
	DestinationInactive DestinationState = "INACTIVE"
)

// AuthAPIKey is the one authorization type rootwatch uses: a header with a
// secret value (a dummy one for endpoints whose secret is in the URL, as AWS
// documents for such partners).
const AuthAPIKey = "API_KEY"

// BodyParam is a parameter EventBridge adds to the JSON body of every request
// through a connection (InvocationHttpParameters.BodyParameters). A secret
// one's value is kept in Secrets Manager with the connection's credentials and
// is never returned.
type BodyParam struct {
	Key    string
	Value  string
	Secret bool
}

// ConnectionSpec is what rootwatch asks for when it creates or updates a
// connection. The values marked secret go in and never come out: AWS keeps
// them in a Secrets Manager secret that the connection owns.
type ConnectionSpec struct {
	Name        string
	Description string
	APIKeyName  string // the header EventBridge sends, e.g. "Authorization"
	APIKeyValue string // secret
	Body        []BodyParam
}

// Connection is a connection as described: its secrets are not part of it.
type Connection struct {
	Name        string
	ARN         string
	Description string
	AuthType    string // AuthAPIKey, "BASIC", "OAUTH_CLIENT_CREDENTIALS"
	State       ConnectionState
	StateReason string
	SecretARN   string // the Secrets Manager secret that holds the credentials
	APIKeyName  string // the header name (not secret)
	// BodyKeys are the keys of the body parameters, secret ones included
	// (their values are never returned).
	BodyKeys []string
}

// Destination is an API destination: an HTTPS endpoint invoked through a
// connection.
type Destination struct {
	Name          string
	ARN           string // set by the service
	Description   string
	ConnectionARN string
	Endpoint      string // the invocation endpoint URL
	Method        string // "POST"
	// RateLimit is the most invocations per second; 0 means the service's
	// default (300).
	RateLimit int
	State     DestinationState // set by the service
}

// Destinations is EventBridge's connections and API destinations in one region.
// An API destination is the target of a rule like any other (cloud.Target with
// its ARN and a role that may events:InvokeApiDestination on it).
type Destinations interface {
	// Connections lists the connections whose names start with prefix.
	Connections(ctx context.Context, prefix string) ([]Connection, error)
	Connection(ctx context.Context, name string) (Connection, error)
	// CreateConnection creates an API-key connection; an existing one of that
	// name is an error wrapping ErrAlreadyExists.
	CreateConnection(ctx context.Context, spec ConnectionSpec) (Connection, error)
	// UpdateConnection replaces a connection's description, key and body
	// parameters (and so its secret).
	UpdateConnection(ctx context.Context, spec ConnectionSpec) (Connection, error)
	// DeleteConnection deletes a connection and its secret; one that does not
	// exist is an error wrapping ErrNotFound (as in AWS).
	DeleteConnection(ctx context.Context, name string) error

	// Destinations lists the API destinations whose names start with prefix.
	Destinations(ctx context.Context, prefix string) ([]Destination, error)
	Destination(ctx context.Context, name string) (Destination, error)
	// CreateDestination creates an API destination; an existing one of that
	// name is an error wrapping ErrAlreadyExists.
	CreateDestination(ctx context.Context, d Destination) (Destination, error)
	UpdateDestination(ctx context.Context, d Destination) (Destination, error)
	// DeleteDestination deletes an API destination; one that does not exist is
	// an error wrapping ErrNotFound (as in AWS).
	DeleteDestination(ctx context.Context, name string) error
}

// DestinationTimeout is how long EventBridge waits for an API destination to
// answer before it counts the invocation as failed (and retries it).
const DestinationTimeout = 5 * time.Second

// DestinationDefaultRate is an API destination's invocation rate limit when
// none is set, per second.
const DestinationDefaultRate = 300
