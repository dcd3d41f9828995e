package awstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// NewOrganization makes the account of c the management account of a new
// organization on moto and creates members accounts in it (moto gives each
// OrganizationAccountAccessRole, trusting the management account), returning
// their IDs. Nil credentials mean moto's default account (key "testing").
// It speaks the Organizations JSON protocol directly: only the adapter may
// import the SDK.
func NewOrganization(url string, creds *cloud.Credentials, members int) ([]string, error) {
	c := cloud.Credentials{AccessKeyID: "testing"}
	if creds != nil {
		c = *creds
	}
	if err := orgCall(url, c, "CreateOrganization", map[string]string{"FeatureSet": "ALL"}, nil); err != nil {
		return nil, err
	}
	var ids []string
	for i := range members {
		name := fmt.Sprintf("member-%d", i+1)
		var out struct{ CreateAccountStatus struct{ AccountId string } }
		if err := orgCall(url, c, "CreateAccount", map[string]string{"AccountName": name, "Email": name + "@example.com"}, &out); err != nil {
			return nil, err
		}
		if out.CreateAccountStatus.AccountId == "" {
			return nil, fmt.Errorf("create account %s: no account ID in the answer", name)
		}
		ids = append(ids, out.CreateAccountStatus.AccountId)
	}
	return ids, nil
}

func orgCall(url string, c cloud.Credentials, action string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128."+action)
	// moto reads the service and the account from the credential scope and
	// the key; the signature is not checked.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.AccessKeyID+"/20260101/us-east-1/organizations/aws4_request, SignedHeaders=host, Signature=0")
	if c.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", c.SessionToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("organizations %s: %w", action, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("organizations %s: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("organizations %s: %s: %s", action, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("organizations %s: decode answer: %w", action, err)
		}
	}
	return nil
}

// NewUnit creates an organizational unit named name under the root of the
// organization of creds (nil: moto's default account) on moto, moves
// accounts into it, and returns its ID.
func NewUnit(url string, creds *cloud.Credentials, name string, accounts []string) (string, error) {
	c := cloud.Credentials{AccessKeyID: "testing"}
	if creds != nil {
		c = *creds
	}
	var roots struct{ Roots []struct{ Id string } }
	if err := orgCall(url, c, "ListRoots", map[string]string{}, &roots); err != nil {
		return "", err
	}
	if len(roots.Roots) != 1 {
		return "", fmt.Errorf("list roots: %d roots", len(roots.Roots))
	}
	root := roots.Roots[0].Id
	var ou struct{ OrganizationalUnit struct{ Id string } }
	if err := orgCall(url, c, "CreateOrganizationalUnit", map[string]string{"ParentId": root, "Name": name}, &ou); err != nil {
		return "", err
	}
	for _, a := range accounts {
		if err := orgCall(url, c, "MoveAccount", map[string]string{"AccountId": a, "SourceParentId": root, "DestinationParentId": ou.OrganizationalUnit.Id}, nil); err != nil {
			return "", err
		}
	}
	return ou.OrganizationalUnit.Id, nil
}
