package cloudtest

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

func testIdentity(t *testing.T, ctx context.Context, a cloud.Account) {
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	if !accountID.MatchString(id.Account) {
		t.Errorf("Account = %q, want 12 digits", id.Account)
	}
	if !strings.Contains(id.ARN, ":"+id.Account+":") {
		t.Errorf("ARN %q does not name account %s", id.ARN, id.Account)
	}
	if id.Partition != "aws" {
		t.Errorf("Partition = %q, want aws", id.Partition)
	}
}

func testRegions(t *testing.T, ctx context.Context, a cloud.Account) {
	rs, err := a.Regions(ctx)
	check(t, "Regions", err)
	if !slices.IsSorted(rs) {
		t.Errorf("Regions not sorted: %v", rs)
	}
	if len(slices.Compact(slices.Clone(rs))) != len(rs) {
		t.Errorf("Regions has duplicates: %v", rs)
	}
	for _, r := range []string{Home, Remote} {
		if !slices.Contains(rs, r) {
			t.Errorf("Regions %v lacks %s", rs, r)
		}
	}
	for _, r := range rs {
		if strings.HasPrefix(r, "cn-") || strings.HasPrefix(r, "us-gov-") {
			t.Errorf("Regions lists %s, a region of another partition", r)
		}
	}
}
