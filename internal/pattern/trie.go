package pattern

// byteTrie maps byte strings to lists of ids and answers "which keys are
// prefixes of this input" in one walk over the input.
type byteTrie struct {
	root trieNode
	size int
}

type trieNode struct {
	edges []byte
	next  []*trieNode
	ids   []int32
}

func (t *byteTrie) add(key string, id int32) {
	n := &t.root
	for i := 0; i < len(key); i++ {
		c := key[i]
		var child *trieNode
		for j, e := range n.edges {
			if e == c {
				child = n.next[j]
				break
			}
		}
		if child == nil {
			child = &trieNode{}
			n.edges = append(n.edges, c)
			n.next = append(n.next, child)
		}
		n = child
	}
	n.ids = appendUnique(n.ids, id)
	t.size++
}

// walk fires the ids of every key that is a prefix of s (reverse: every key
// that is a prefix of s read backwards, i.e. a suffix of s).
func (t *byteTrie) walk(s []byte, reverse bool, st *state) {
	n := &t.root
	if len(n.ids) > 0 {
		st.fire(n.ids)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if reverse {
			c = s[len(s)-1-i]
		}
		var child *trieNode
		for j, e := range n.edges {
			if e == c {
				child = n.next[j]
				break
			}
		}
		if child == nil {
			return
		}
		n = child
		if len(n.ids) > 0 {
			st.fire(n.ids)
		}
	}
}

func appendUnique(ids []int32, id int32) []int32 {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

func reverseString(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[len(s)-1-i] = s[i]
	}
	return string(b)
}

// collect appends the ids of every key that is a prefix of s (or, reverse,
// a suffix) to out.
func (t *byteTrie) collect(s []byte, reverse bool, out []int32) []int32 {
	n := &t.root
	out = append(out, n.ids...)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if reverse {
			c = s[len(s)-1-i]
		}
		var child *trieNode
		for j, e := range n.edges {
			if e == c {
				child = n.next[j]
				break
			}
		}
		if child == nil {
			return out
		}
		n = child
		out = append(out, n.ids...)
	}
	return out
}
