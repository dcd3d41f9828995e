package deploy

import (
	"context"
	"flag"
	"os"
	"slices"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// TestMain starts moto (see internal/awstest) for the moto backend, except when
// fuzzing: every fuzz worker process runs TestMain, and the fuzz targets need
// no endpoint.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run())
	}
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		os.Exit(m.Run())
	}
	os.Exit(awstest.Main(m))
}

// backends are the fake and, when an endpoint is available, moto: the
// acceptance tests run the same bodies against both.
func backends() []backend { return []backend{fakeBackend(), motoBackend()} }

// motoBackend opens the AWS adapter on the test endpoint, in an empty account
// of the test's own (awstest.Endpoint skips the test when no endpoint is
// available, or fails it under ROOTWATCH_REQUIRE_EMULATOR). Fault injection samples N there:
// every N would take minutes.
func motoBackend() backend {
	return backend{name: "moto", autoConfirms: true, open: func(t *testing.T) cloud.Account {
		t.Helper()
		ep := awstest.Endpoint(t)
		a, err := awscloud.ConnectWith(t.Context(), cloud.Config{EndpointURL: ep.URL, Region: "us-east-1"}, awscloud.Options{Credentials: ep.Creds})
		if err != nil {
			t.Fatal(err)
		}
		return limitRegions{a, motoRegions}
	}}
}

// motoRegions are the regions the moto account reports as enabled. moto enables
// all of its ~30 regions, and destroy and the snapshots search every enabled
// one: limiting the account to six (as many as the fake has) keeps the moto
// suite to seconds. Deploy, status and destroy still work from Regions().
var motoRegions = []string{"ap-southeast-2", "eu-central-1", "eu-west-1", "us-east-1", "us-east-2", "us-west-2"}

// limitRegions is an account with fewer enabled regions.
type limitRegions struct {
	cloud.Account
	regions []string
}

func (l limitRegions) Regions(ctx context.Context) ([]string, error) {
	all, err := l.Account.Regions(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range all {
		if slices.Contains(l.regions, r) {
			out = append(out, r)
		}
	}
	return out, nil
}
