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
	b, err := a.bus(region, name)
	if err != nil {
		return fmt.Errorf("untag event bus %s in %s: %w", name, region, err)
	}
	for _, k := range keys {
		delete(b.tags, k)
	}
	return nil
}
