package deploy

import (
	"os"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// TestMain starts moto (see internal/awstest) for the moto backend.
func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

// backends are the fake and, when an endpoint is available, moto: the
// acceptance tests run the same bodies against both.
func backends() []backend { return []backend{fakeBackend(), motoBackend()} }

// motoBackend opens the AWS adapter on the test endpoint, reset to an empty
// account (awstest.Endpoint skips the test when no endpoint is available, or
// fails it under ROOTWATCH_REQUIRE_EMULATOR). Fault injection samples N there:
// every N would take minutes.
func motoBackend() backend {
	return backend{name: "moto", open: func(t *testing.T) cloud.Account {
		t.Helper()
		ep := awstest.Endpoint(t)
		a, err := awscloud.Connect(t.Context(), cloud.Config{EndpointURL: ep.URL, Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}}
}
