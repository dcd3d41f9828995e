package awstest

import (
	"net/http"
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestEndpointAnswers checks that the endpoint Main started (or was given) answers
// and that Reset works on moto.
func TestEndpointAnswers(t *testing.T) {
	tg := Endpoint(t)
	if tg.Kind != Moto {
		t.Skipf("endpoint is %s; only moto's state API is checked here", tg.Kind)
	}
	resp, err := http.Get(tg.URL + "/moto-api/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /moto-api/: %s", resp.Status)
	}
	if got := os.Getenv("AWS_ENDPOINT_URL"); got != tg.URL {
		t.Errorf("AWS_ENDPOINT_URL = %q, want %q", got, tg.URL)
	}
}
