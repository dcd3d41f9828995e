package pattern

import (
	"bytes"
	"net/netip"
)

// evValue is one leaf value of an event. b is the decoded string or the
// number's literal text. Derived forms (number, IP address, folded text) are
// computed on first use and cached.
type evValue struct {
	kind   jkind
	b      []byte
	field  int32 // field index (Matcher) or -1
	next   int32 // next value of the same field, -1 at the end
	arr    arrPath
	arrOff int32 // position of arr in the state's arena while scanning
	arrLen int32

	numState int8 // 0 unknown, 1 exact, -1 not exactly representable
	ipState  int8 // 0 unknown, 1 IP address, -1 not
	folded   bool
	f        float64
	ip       netip.Addr
	fold     []byte
}

func (v *evValue) reset(kind jkind, b []byte) {
	v.kind, v.b, v.arr = kind, b, nil
	v.numState, v.ipState, v.folded = 0, 0, false
	v.fold = v.fold[:0]
}

func (v *evValue) number() (float64, bool) {
	if v.numState == 0 {
		v.numState = -1
		if f, ok := exactNumber(v.b); ok {
			v.f, v.numState = f, 1
		}
	}
	return v.f, v.numState == 1
}

func (v *evValue) addr() (netip.Addr, bool) {
	if v.ipState == 0 {
		v.ipState = -1
		if a, ok := parseIP(v.b); ok {
			v.ip, v.ipState = a, 1
		}
	}
	return v.ip, v.ipState == 1
}

func (v *evValue) folding() []byte {
	if !v.folded {
		v.fold = appendFold(v.fold[:0], v.b)
		v.folded = true
	}
	return v.fold
}

// matchValue reports whether the leaf value satisfies one of the condition's
// alternatives (exists:false aside, which is about absence).
func (c *cond) matchValue(v *evValue) bool {
	if c.exists {
		return true
	}
	switch v.kind {
	case jString:
		for _, s := range c.strs {
			if string(v.b) == s {
				return true
			}
		}
		if len(c.ips) > 0 {
			if a, ok := v.addr(); ok {
				for _, ip := range c.ips {
					if a == ip {
						return true
					}
				}
			}
		}
	case jNumber:
		for _, t := range c.numTexts {
			if string(v.b) == t {
				return true
			}
		}
		if len(c.nums) > 0 {
			if f, ok := v.number(); ok {
				for _, n := range c.nums {
					if f == n {
						return true
					}
				}
			}
		}
	case jTrue:
		if c.tru {
			return true
		}
	case jFalse:
		if c.fals {
			return true
		}
	case jNull:
		if c.null {
			return true
		}
	}
	for i := range c.ms {
		if c.ms[i].match(v) {
			return true
		}
	}
	return false
}

func (m *matcher) match(v *evValue) bool {
	if m.op == opAnythingBut {
		return !m.ab.excludes(v)
	}
	if m.op == opNumeric {
		if v.kind != jNumber {
			return false
		}
		f, ok := v.number()
		return ok && m.num.contains(f)
	}
	if v.kind != jString {
		return false
	}
	switch m.op {
	case opPrefix:
		return bytes.HasPrefix(v.b, []byte(m.s))
	case opSuffix:
		return bytes.HasSuffix(v.b, []byte(m.s))
	case opPrefixFold:
		return bytes.HasPrefix(v.folding(), []byte(m.s))
	case opSuffixFold:
		return bytes.HasSuffix(v.folding(), []byte(m.s))
	case opEqFold:
		return string(v.folding()) == m.s
	case opCIDR:
		a, ok := v.addr()
		return ok && m.cidr.Contains(a)
	case opWildcard:
		return m.wc.match(v.b)
	}
	return false
}

func (ab *anythingBut) excludes(v *evValue) bool {
	switch v.kind {
	case jString:
		for _, s := range ab.strs {
			if string(v.b) == s {
				return true
			}
		}
		if len(ab.ips) > 0 {
			if a, ok := v.addr(); ok {
				for _, ip := range ab.ips {
					if a == ip {
						return true
					}
				}
			}
		}
		for _, p := range ab.prefixes {
			if bytes.HasPrefix(v.b, []byte(p)) {
				return true
			}
		}
		for _, p := range ab.suffixes {
			if bytes.HasSuffix(v.b, []byte(p)) {
				return true
			}
		}
		if len(ab.folds) > 0 {
			f := v.folding()
			for _, s := range ab.folds {
				if string(f) == s {
					return true
				}
			}
		}
		for _, w := range ab.wcs {
			if w.match(v.b) {
				return true
			}
		}
	case jNumber:
		if len(ab.nums) > 0 {
			if f, ok := v.number(); ok {
				for _, n := range ab.nums {
					if f == n {
						return true
					}
				}
			}
		}
	}
	return false
}

// arrPath says in which element of which arrays a value sits: one step per
// enclosing array, outermost first. Arrays are numbered in document order.
type arrPath []arrStep

type arrStep struct {
	array int32
	index int32
}

// consistent reports whether two values may be used together: they must not
// come from different elements of the same array.
func consistent(a, b arrPath) bool {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return !(i < len(a) && i < len(b) && a[i].array == b[i].array)
}

// satItem is one condition of a conjunction in the array-consistency search.
type satItem struct {
	cands  []*evValue // the values at the path that satisfy the condition
	absent bool       // the condition also holds where the path is absent
	all    []*evValue // when absent: every value at the path
}

// satisfy reports whether the conditions (items, in path order) can all hold
// together: each by a value chosen from its cands, all chosen values pairwise
// consistent, or, for a condition that allows absence, by no value at its
// path being consistent with the values chosen so far. This is event-ruler's
// array-consistent walk: it visits a rule's fields in sorted order and tests
// exists:false against the array elements the fields before it were matched
// in, so absence holds per element ("Anna has no ids" although John has),
// and an exists:false field that sorts first must be absent everywhere.
func satisfy(items []satItem, chosen []*evValue) bool {
	if len(items) == 0 {
		return true
	}
	it := &items[0]
next:
	for _, v := range it.cands {
		for _, c := range chosen {
			if !consistent(c.arr, v.arr) {
				continue next
			}
		}
		if satisfy(items[1:], append(chosen, v)) {
			return true
		}
	}
	if !it.absent {
		return false
	}
	for _, v := range it.all {
		if consistentWith(v, chosen) {
			return false // present in an element the chosen values allow
		}
	}
	return satisfy(items[1:], chosen)
}

func consistentWith(v *evValue, chosen []*evValue) bool {
	for _, c := range chosen {
		if !consistent(c.arr, v.arr) {
			return false
		}
	}
	return true
}
