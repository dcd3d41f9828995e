package awstest

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
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

// TestNewAccountIsolates checks that two accounts from NewAccount are distinct
// and that moto answers as the account the credentials belong to.
func TestNewAccountIsolates(t *testing.T) {
	tg := Endpoint(t)
	if tg.Kind != Moto {
		t.Skipf("endpoint is %s; NewAccount is for moto", tg.Kind)
	}
	a, err := NewAccount(tg.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewAccount(tg.URL)
	if err != nil {
		t.Fatal(err)
	}
	if a.Account == b.Account || a.AccessKeyID == b.AccessKeyID {
		t.Fatalf("NewAccount returned the same account twice: %+v, %+v", a, b)
	}
	for _, c := range []Creds{a, b} {
		req, _ := http.NewRequest(http.MethodPost, tg.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.AccessKeyID+"/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "<Account>"+c.Account+"</Account>") {
			t.Errorf("GetCallerIdentity with the credentials of %s answered %s", c.Account, body)
		}
	}
}

// TestNewOrganization: a fresh account becomes a management account whose
// organization lists it and the members made for it.
func TestNewOrganization(t *testing.T) {
	tg := Endpoint(t)
	if tg.Kind != Moto {
		t.Skipf("endpoint is %s; organizations are made on moto only", tg.Kind)
	}
	c, err := NewAccount(tg.URL)
	if err != nil {
		t.Fatal(err)
	}
	creds := &cloud.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	ids, err := NewOrganization(tg.URL, creds, 2)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Accounts []struct{ Id string } }
	if err := orgCall(tg.URL, *creds, "ListAccounts", map[string]string{}, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, a := range out.Accounts {
		got[a.Id] = true
	}
	for _, want := range append(ids, c.Account) {
		if !got[want] {
			t.Errorf("ListAccounts = %+v, missing %s", out.Accounts, want)
		}
	}
	if len(ids) != 2 || len(out.Accounts) != 3 {
		t.Errorf("members %v, accounts %+v: want 2 members and 3 accounts", ids, out.Accounts)
	}
}
