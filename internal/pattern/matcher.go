package pattern

import (
	"sync"
	"sync/atomic"
)

// Match reports whether the event (a JSON object) matches. A malformed event
// is an error: the whole event is validated, which the Matcher does not do.
func (p *Pattern) Match(event []byte) (bool, error) {
	p.once.Do(func() {
		p.single = NewMatcher()
		p.single.Add("", p)
	})
	if err := validate(event); err != nil {
		return false, err
	}
	st := p.single.acquire()
	defer p.single.release(st)
	ids, err := st.run(nil, event)
	return len(ids) > 0, err
}

// Matcher holds many compiled patterns and says which ones an event
// matches. All methods are safe for concurrent use. Adding patterns is meant
// to happen before matching: the first match after an Add rebuilds the
// indexes (in time proportional to all patterns).
type Matcher struct {
	mu   sync.Mutex
	ids  []string
	byID map[string]int
	pats [][]*Pattern

	cur atomic.Pointer[compiled]
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
	} else {
		m.byID[id] = len(m.ids)
		m.ids = append(m.ids, id)
		m.pats = append(m.pats, []*Pattern{p})
	}
	m.cur.Store(nil)
}

// Len returns the number of distinct ids added.
func (m *Matcher) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.ids)
}

func (m *Matcher) compiled() *compiled {
	if c := m.cur.Load(); c != nil {
		return c
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.cur.Load(); c != nil {
		return c
	}
	ids := append([]string(nil), m.ids...)
	pats := make([][]*Pattern, len(m.pats))
	for i, ps := range m.pats {
		pats[i] = append([]*Pattern(nil), ps...)
	}
	c := build(ids, pats)
	c.pool.New = func() any { return newState(c) }
	m.cur.Store(c)
	return c
}

func (m *Matcher) acquire() *state {
	c := m.compiled()
	return c.pool.Get().(*state)
}

func (m *Matcher) release(st *state) { st.c.pool.Put(st) }

// Match returns the ids of the patterns the event matches, in the order they
// were first added, without duplicates. A malformed event is an error, with
// one allowance for speed: inside values that no pattern references only the
// structure is checked (strings terminated, brackets balanced), so a bad
// number or literal there goes unnoticed. Pattern.Match validates fully.
func (m *Matcher) Match(event []byte) ([]string, error) {
	return m.AppendMatches(nil, event)
}

// AppendMatches appends the ids of the matching patterns to dst and returns
// the extended slice. It allocates nothing beyond growing dst (strings with
// escapes at referenced paths are the exception), so it suits hot loops.
func (m *Matcher) AppendMatches(dst []string, event []byte) ([]string, error) {
	st := m.acquire()
	dst, err := st.run(dst, event)
	m.release(st)
	return dst, err
}
