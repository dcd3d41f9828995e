// Package awstest gives tests an AWS-compatible endpoint: moto_server started on a
// free loopback port, or an endpoint the user names.
//
// Environment:
//
//	ROOTWATCH_TEST_ENDPOINT=URL   run against this endpoint (LocalStack, a moto you
//	                              started) instead of starting moto
//	ROOTWATCH_TEST_ENDPOINT=aws   run against the real AWS account of the default
//	                              credential chain (opt-in: it creates and deletes
//	                              resources; use a sandbox account)
//	ROOTWATCH_REQUIRE_EMULATOR=1  a missing endpoint fails the tests instead of
//	                              skipping them (CI sets it)
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }
//
// and call awstest.Endpoint(t) in each test that needs it: on moto each call
// is a fresh, empty account of its own (Target.Creds), so tests need no reset
// and may run in parallel.
package awstest

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Kind says what kind of endpoint the tests run against, so that a test can say
// where an answer cannot be trusted.
type Kind string

const (
	Moto    Kind = "moto"
	Named   Kind = "named" // an endpoint the user named (LocalStack, ...)
	RealAWS Kind = "aws"
)

// Target is the endpoint the package's tests run against.
type Target struct {
	URL  string // "" for real AWS
	Kind Kind
	// Creds, on moto, are those of an account of the test's own; nil means
	// the credential chain's (the environment Main set up, or real AWS's).
	Creds *cloud.Credentials
	// Account is the ID of that account ("" when Creds is nil).
	Account string
}

var (
	target      *Target
	unavailable string // why there is no endpoint
	motoPID     int    // the moto_server Main started, 0 if none
)

// Main starts the endpoint (unless one is named), runs the tests, and stops it.
// It sets dummy credentials and a region for an emulator so that no real
// credentials are ever picked up by accident.
// m is a *testing.M, or anything whose Run runs the tests (testscript.Main's wrapper).
func Main(m interface{ Run() int }) int {
	switch v := os.Getenv("ROOTWATCH_TEST_ENDPOINT"); v {
	case "":
		url, stop, err := startMoto()
		if err != nil {
			unavailable = err.Error()
			return m.Run()
		}
		defer stop()
		useEmulator(url)
		target = &Target{URL: url, Kind: Moto}
	case "aws":
		target = &Target{Kind: RealAWS}
	default:
		useEmulator(v)
		target = &Target{URL: v, Kind: Named}
	}
	return m.Run()
}

func useEmulator(url string) {
	os.Setenv("AWS_ENDPOINT_URL", url)
	os.Setenv("AWS_ACCESS_KEY_ID", "testing")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	os.Setenv("AWS_SESSION_TOKEN", "testing")
	os.Setenv("AWS_REGION", "us-east-1")
	os.Unsetenv("AWS_PROFILE")
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}

// Available reports whether an endpoint is available, and why not.
func Available() (Target, string) {
	if target == nil {
		return Target{}, unavailable
	}
	return *target, ""
}

// Required reports whether a missing endpoint must fail the tests.
func Required() bool { return os.Getenv("ROOTWATCH_REQUIRE_EMULATOR") != "" }

// Endpoint returns the endpoint for t; on moto, with a fresh, empty account
// of t's own (Target.Creds), so that no test sees another's resources and
// tests may run in parallel. It skips t when there is no endpoint, or fails it
// when ROOTWATCH_REQUIRE_EMULATOR is set.
func Endpoint(t testing.TB) Target {
	t.Helper()
	if target == nil {
		why := unavailable
		if why == "" {
			why = "awstest.Main was not called from TestMain"
		}
		if os.Getenv("ROOTWATCH_REQUIRE_EMULATOR") != "" {
			t.Fatalf("AWS-compatible endpoint required (ROOTWATCH_REQUIRE_EMULATOR is set) but unavailable: %s", why)
		}
		t.Skipf("no AWS-compatible endpoint: %s", why)
	}
	tg := *target
	if tg.Kind == Moto {
		c, err := NewAccount(tg.URL)
		if err != nil {
			t.Fatalf("a moto account of the test's own: %v", err)
		}
		tg.Account = c.Account
		tg.Creds = &cloud.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	}
	return tg
}

// startMoto starts moto_server (or python3 -m moto.server) on a free loopback
// port and waits until it answers.
func startMoto() (url string, stop func(), err error) {
	argv, err := motoCommand()
	if err != nil {
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	argv = append(argv, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd := exec.Command(argv[0], argv[1:]...)
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	proc, err := startChild(cmd)
	if err != nil {
		return "", nil, fmt.Errorf("start %s: %w", strings.Join(argv, " "), err)
	}
	motoPID = proc.pid()
	// Keep the last lines of moto's output for the error message.
	var tail []string
	var tailMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			tailMu.Lock()
			tail = append(tail, sc.Text())
			if len(tail) > 5 {
				tail = tail[1:]
			}
			tailMu.Unlock()
		}
	}()
	stop = proc.stop
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/moto-api/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return url, stop, nil
		}
		select {
		case <-ctx.Done():
			stop()
			tailMu.Lock()
			defer tailMu.Unlock()
			return "", nil, fmt.Errorf("moto_server did not answer on %s within 60s: %s", url, strings.Join(tail, " | "))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func motoCommand() ([]string, error) {
	if p, err := exec.LookPath("moto_server"); err == nil {
		return []string{p}, nil
	}
	if p, err := exec.LookPath("python3"); err == nil {
		if exec.Command(p, "-c", "import moto.server").Run() == nil {
			return []string{p, "-m", "moto.server"}, nil
		}
	}
	return nil, errors.New("neither moto_server nor python3 -m moto.server is installed (pip install 'moto[server]==5.2.1')")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Creds are credentials for one account of an emulator.
type Creds struct {
	Account         string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

var nextAccount atomic.Int64

// NewAccount returns credentials for a fresh, empty account on moto, so that
// tests sharing one moto (such as parallel CLI scripts) never see each other's
// resources. moto maps the credentials of an assumed role to the role's account.
func NewAccount(url string) (Creds, error) {
	return AccountCreds(url, fmt.Sprintf("%012d", 200000000000+int64(os.Getpid()%1000)*1000000+nextAccount.Add(1)))
}

// AccountCreds returns credentials that act as account acct on moto.
func AccountCreds(url, acct string) (Creds, error) {
	form := neturl.Values{
		"Action":          {"AssumeRole"},
		"Version":         {"2011-06-15"},
		"RoleArn":         {"arn:aws:iam::" + acct + ":role/rootwatch-test"},
		"RoleSessionName": {"rootwatch-test"},
	}
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return Creds{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// moto reads the service from the credential scope; the signature is not checked.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Creds{}, fmt.Errorf("assume role in account %s: %w", acct, err)
	}
	defer resp.Body.Close()
	var out struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
		} `xml:"AssumeRoleResult>Credentials"`
	}
	if resp.StatusCode != http.StatusOK {
		return Creds{}, fmt.Errorf("assume role in account %s: %s", acct, resp.Status)
	}
	if err := xml.NewDecoder(resp.Body).Decode(&out); err != nil {
		return Creds{}, fmt.Errorf("assume role in account %s: decode answer: %w", acct, err)
	}
	c := out.Credentials
	if c.AccessKeyID == "" {
		return Creds{}, fmt.Errorf("assume role in account %s: no credentials in the answer", acct)
	}
	return Creds{Account: acct, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
}
