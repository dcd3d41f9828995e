package awscloud

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// closedPort returns the address of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestUnreachable: an endpoint that never answers is cloud.ErrUnreachable,
// said in a few words (not the SDK's retry chain), and is not mistaken for a
// missing resource; an endpoint that answers with an error is not unreachable.
func TestUnreachable(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	answering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>`)
	}))
	defer answering.Close()
	closed := "http://" + closedPort(t)
	tests := []struct {
		endpoint    string
		unreachable bool
		want        string // the error's text, from its start
	}{
		{closed, true, "get caller identity: cannot reach " + closed + ": connect: connection refused"},
		{"http://rootwatch-no-such-host.invalid", true, "get caller identity: cannot reach http://rootwatch-no-such-host.invalid: lookup rootwatch-no-such-host.invalid"},
		{answering.URL, false, "get caller identity: operation error STS: GetCallerIdentity"},
	}
	for _, tt := range tests {
		acct, err := ConnectWith(context.Background(), cloud.Config{EndpointURL: tt.endpoint}, Options{MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = acct.Identity(context.Background())
		if err == nil {
			t.Fatalf("%s: no error", tt.endpoint)
		}
		if errors.Is(err, cloud.ErrUnreachable) != tt.unreachable || errors.Is(err, cloud.ErrNotFound) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: err = %q (unreachable %v), want %q... (unreachable %v)", tt.endpoint, err, errors.Is(err, cloud.ErrUnreachable), tt.want, tt.unreachable)
		}
	}
}

// TestNoCredentials: with no credentials anywhere, Connect says so in one
// line wrapping cloud.ErrNoCredentials, without the SDK's chain, and the SDK's
// own log lines (its WARN about falling back to IMDSv1, printed by its default
// logger) do not reach stderr.
func TestNoCredentials(t *testing.T) {
	// An instance metadata service that refuses a token (the SDK then warns
	// and falls back to IMDSv1) and has no role.
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer imds.Close()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE":                    filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":        filepath.Join(dir, "credentials"),
		"AWS_WEB_IDENTITY_TOKEN_FILE":        "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_EC2_METADATA_DISABLED":         "false",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL,
	} {
		t.Setenv(k, v)
	}
	stderr := captureStderr(t)
	_, err := ConnectWith(context.Background(), cloud.Config{Region: "us-east-1"}, Options{MaxAttempts: 1})
	logged := stderr()
	if !errors.Is(err, cloud.ErrNoCredentials) {
		t.Fatalf("err = %v, want cloud.ErrNoCredentials", err)
	}
	const want = "no AWS credentials found in the environment, the shared config and credentials files, or the EC2 instance metadata service"
	if err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if logged != "" {
		t.Errorf("the SDK wrote to stderr: %q", logged)
	}
}

// captureStderr redirects os.Stderr until the returned function is called,
// which returns what was written.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	restored := false
	restore := func() string {
		if restored {
			return ""
		}
		restored = true
		os.Stderr = old
		w.Close()
		return <-done
	}
	t.Cleanup(func() { restore() })
	return restore
}
