package pattern

import "sync"

// Match reports whether the event (a JSON object) matches. A malformed event
// is an error.
func (p *Pattern) Match(event []byte) (bool, error) {
	return referenceMatch(p, event)
}

// Matcher holds many compiled patterns and says which ones an event
// matches. Match and AppendMatches are safe for concurrent use with each
// other and with Add.
type Matcher struct {
	mu   sync.RWMutex
	ids  []string
	byID map[string]int
	pats [][]*Pattern
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher { return &Matcher{byID: map[string]int{}} }

// Add adds a pattern under an id. Adding another pattern under an id already
// present makes the id match when either pattern matches; the id keeps its
// first position.
func (m *Matcher) Add(id string, p *Pattern) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i, ok := m.byID[id]; ok {
		m.pats[i] = append(m.pats[i], p)
		return
	}
	m.byID[id] = len(m.ids)
	m.ids = append(m.ids, id)
	m.pats = append(m.pats, []*Pattern{p})
}

// Match returns the ids of the patterns the event matches, in the order they
// were first added, without duplicates.
func (m *Matcher) Match(event []byte) ([]string, error) {
	return m.AppendMatches(nil, event)
}

// AppendMatches appends the ids of the matching patterns to dst and returns
// the extended slice.
func (m *Matcher) AppendMatches(dst []string, event []byte) ([]string, error) {
	fe, err := flattenEvent(event)
	if err != nil {
		return dst, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i, ps := range m.pats {
		for _, p := range ps {
			if p.refMatch(fe) {
				dst = append(dst, m.ids[i])
				break
			}
		}
	}
	return dst, nil
}
