package cloudtest

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// GapBusTagLimit: TagResource and CreateEventBus take any number of tags of
// any length (moto).
const GapBusTagLimit = "bus-tag-limit"

// testBusTagsFull: a bus takes 50 tags of 256-character values, spaces and
// the characters of rootwatch's settings record included (a long e-mail list
// in the record uses most of them), keeps them as they were written, and
// takes an empty value over a long one; a 51st tag and a 257-character value
// are refused.
func testBusTagsFull(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	ev := a.Events(Home)
	if _, err := ev.CreateBus(ctx, "rw-tags", managed); err != nil {
		t.Fatalf("CreateBus: %v", err)
	}
	t.Cleanup(func() { _ = ev.DeleteBus(context.Background(), "rw-tags") })
	// 256 characters: addresses separated by spaces, with escapes.
	value := func(i int) string {
		v := strings.Repeat(fmt.Sprintf("o=CHbrien-%02d+x_y.z@example.com ", i), 10)
		return strings.TrimSpace(v[:256])
	}
	tags := cloud.Tags{}
	for i := 2; len(tags)+len(managed) < 50; i++ {
		tags[fmt.Sprintf("rootwatch:subscribers:%d", i)] = value(i)
	}
	check(t, "TagBus of 50 tags in all", ev.TagBus(ctx, "rw-tags", tags))
	tags["rootwatch:subscribers:2"] = ""
	check(t, "TagBus with an empty value", ev.TagBus(ctx, "rw-tags", cloud.Tags{"rootwatch:subscribers:2": ""}))
	b, err := ev.Bus(ctx, "rw-tags")
	check(t, "Bus", err)
	want := maps.Clone(tags)
	maps.Copy(want, managed)
	if diff := cmp.Diff(want, b.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}

	gaps.skip(t, GapBusTagLimit)
	if err := ev.TagBus(ctx, "rw-tags", cloud.Tags{"one-too-many": "x"}); err == nil {
		t.Error("TagBus of a 51st tag succeeded")
	}
	if err := ev.TagBus(ctx, "rw-tags", cloud.Tags{"rootwatch:subscribers:2": strings.Repeat("x", 257)}); err == nil {
		t.Error("TagBus of a 257-character value succeeded")
	}
	// Tag values allow \p{Z} (a space, a no-break space) but not a tab.
	if err := ev.TagBus(ctx, "rw-tags", cloud.Tags{"rootwatch:subscribers:2": "a\tb"}); err == nil {
		t.Error("TagBus of a value with a tab succeeded")
	}
}
