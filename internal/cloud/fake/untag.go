package fake

import (
	"fmt"
)

// UntagBus removes tags from a bus, as EventBridge's UntagResource does
// (what anyone with events:UntagResource may do; the cloud interface never
// does). Keys the bus does not have are ignored, as AWS ignores them.
func (a *Account) UntagBus(region, name string, keys ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[region]
	if !ok {
		return fmt.Errorf("untag event bus %s in %s: %w", name, region, errRegion)
	}
	b, ok := rs.buses[busOrDefault(name)]
	if !ok {
		return fmt.Errorf("untag event bus %s in %s: %w", name, region, notFound("ResourceNotFoundException: Event bus %s does not exist", name))
	}
	for _, k := range keys {
		delete(b.tags, k)
	}
	return nil
}
