package pattern

import (
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// compiled is an immutable snapshot of a Matcher's patterns, turned into
// indexes. See the package documentation for the design.
type compiled struct {
	ids    []string   // pattern ids in Add order
	root   *pathNode  // referenced paths, one node per path segment
	fields []*fieldIx // per referenced field: trigger indexes
	conds  []*cond    // merged conditions, by cond id
	cfield []int32    // field of each cond
	subs   []csub     // every conjunction of every pattern
	// anchor cond -> conjunctions anchored on it
	anchored [][]int32
	// conjunctions with no trigger at all (only exists:false conditions):
	// evaluated for every event.
	always []int32
	// indexed conditions fire during the scan whenever satisfied.
	indexed []bool
	// cinfo packs field<<1 | indexed for the evaluation loop, and
	// subOwner the owner of each conjunction: compact arrays that the hot
	// loops touch instead of the larger structs.
	cinfo    []int32
	subOwner []int32
	condFlat []int32 // conditions of conjunction i: condFlat[subStart[i]:subStart[i+1]]
	subStart []int32

	pool sync.Pool // of *state
}

type csub struct {
	owner  int32   // index into ids
	conds  []int32 // cond ids, in path order (for the array-consistency search)
	absent bool    // some condition allows absence (exists:false)
}

type pathNode struct {
	children map[string]*pathNode
	small    []pathChild // the children, when there are few
	field    int32       // -1 when no pattern has a leaf condition here
}

type pathChild struct {
	key  string
	node *pathNode
}

// finish prepares the trie for lookups.
func (n *pathNode) finish() {
	if len(n.children) > 0 && len(n.children) <= 16 {
		n.small = n.small[:0]
		for k, c := range n.children {
			n.small = append(n.small, pathChild{k, c})
		}
		slices.SortFunc(n.small, func(a, b pathChild) int { return strings.Compare(a.key, b.key) })
	}
	for _, c := range n.children {
		c.finish()
	}
}

// fieldIx holds the triggers of one field: for each kind of test, which
// anchor conditions a value satisfying it fires.
type fieldIx struct {
	strs     map[string][]int32
	ips      map[netip.Addr][]int32
	nums     map[float64][]int32
	numTexts map[string][]int32
	tru      []int32
	fals     []int32
	null     []int32
	present  []int32 // fired by any value
	prefix   *byteTrie
	suffix   *byteTrie // keys reversed
	prefixF  *byteTrie // folded
	suffixF  *byteTrie // folded, reversed
	eqFold   map[string][]int32
	num      numIndex
	cidr     cidrIndex
	verify   verifyIndex // wildcards and anything-but
	needFold bool
}

func (n *pathNode) child(seg string) *pathNode {
	if n.children == nil {
		n.children = map[string]*pathNode{}
	}
	c := n.children[seg]
	if c == nil {
		c = &pathNode{field: -1}
		n.children[seg] = c
	}
	return c
}

// condCost estimates the probability that a condition fires on an event,
// from the kinds of its alternatives. An exact value is assumed to be one of
// the values patterns use for that field (distinct), equally likely. ok is
// false when the condition cannot trigger (exists:false).
func condCost(c *cond, distinct int) (p float64, ok bool) {
	if c.absent {
		return 0, false
	}
	if c.exists {
		return 1, true
	}
	exact := 1 / float64(distinct+1)
	p = exact * float64(len(c.strs)+len(c.ips)+len(c.nums)+len(c.numTexts))
	if c.tru || c.fals || c.null {
		p += 0.3
	}
	for i := range c.ms {
		m := &c.ms[i]
		switch m.op {
		case opAnythingBut:
			p += 0.9
		case opEqFold:
			p += exact
		case opPrefix, opSuffix, opPrefixFold, opSuffixFold:
			if len(m.s) < 3 {
				p += 0.3
			} else {
				p += 0.05
			}
		default: // numeric, cidr, wildcard
			p += 0.1
		}
	}
	return min(p, 1), true
}

func build(ids []string, pats [][]*Pattern) *compiled {
	c := &compiled{ids: ids, root: &pathNode{field: -1}}
	fieldOf := map[string]int32{}
	condOf := map[string]int32{}
	fieldID := func(path string) int32 {
		if f, ok := fieldOf[path]; ok {
			return f
		}
		f := int32(len(c.fields))
		fieldOf[path] = f
		c.fields = append(c.fields, &fieldIx{})
		n := c.root
		for _, seg := range strings.Split(path, ".") {
			n = n.child(seg)
		}
		n.field = f
		return f
	}
	refs := []int{}
	for owner, ps := range pats {
		for _, p := range ps {
			for _, conds := range p.subs {
				s := csub{owner: int32(owner)}
				for _, cd := range conds {
					id, ok := condOf[cd.key]
					if !ok {
						id = int32(len(c.conds))
						condOf[cd.key] = id
						c.conds = append(c.conds, cd)
						c.cfield = append(c.cfield, fieldID(cd.path))
						refs = append(refs, 0)
					}
					refs[id]++
					s.conds = append(s.conds, id)
					s.absent = s.absent || cd.absent
				}
				c.subs = append(c.subs, s)
			}
		}
	}
	// Distinct exact values per field, for condCost.
	distinctSet := map[string]bool{}
	distinct := make([]int, len(c.fields))
	for cid, cd := range c.conds {
		f := c.cfield[cid]
		for _, v := range cd.strs {
			k := cd.path + "\x00s" + v
			if !distinctSet[k] {
				distinctSet[k] = true
				distinct[f]++
			}
		}
		for _, v := range cd.ips {
			k := cd.path + "\x00i" + v.String()
			if !distinctSet[k] {
				distinctSet[k] = true
				distinct[f]++
			}
		}
		n := len(cd.nums) + len(cd.numTexts)
		if n > 0 {
			distinct[f] += n // approximate: numbers are rarely shared
		}
	}
	cost := make([]float64, len(c.conds))
	costOK := make([]bool, len(c.conds))
	for cid, cd := range c.conds {
		cost[cid], costOK[cid] = condCost(cd, distinct[c.cfield[cid]])
	}
	c.anchored = make([][]int32, len(c.conds))
	isAnchor := make([]bool, len(c.conds))
	presence := map[int32][]int32{} // field -> subs triggered by presence
	for si, s := range c.subs {
		best := int32(-1)
		for _, cid := range s.conds {
			if !costOK[cid] {
				continue
			}
			// The least likely to fire; among equals the condition fewer
			// conjunctions share.
			if best < 0 || cost[cid] < cost[best] || (cost[cid] == cost[best] && refs[cid] < refs[best]) {
				best = cid
			}
		}
		if best >= 0 {
			c.anchored[best] = append(c.anchored[best], int32(si))
			isAnchor[best] = true
			continue
		}
		// No condition can trigger: use the presence of a field that some
		// condition needs (one without exists:false), else evaluate always.
		placed := false
		for _, cid := range s.conds {
			if !c.conds[cid].absent {
				f := c.cfield[cid]
				presence[f] = append(presence[f], int32(si))
				placed = true
				break
			}
		}
		if !placed {
			c.always = append(c.always, int32(si))
		}
	}
	// Presence triggers are modelled as pseudo-conditions appended after the
	// real ones, so that firing works the same way.
	for f, subs := range presence {
		id := int32(len(c.conds))
		c.conds = append(c.conds, &cond{exists: true})
		c.cfield = append(c.cfield, f)
		c.anchored = append(c.anchored, subs)
		c.fields[f].present = append(c.fields[f].present, id)
	}
	// Index every anchor, and every other condition that is cheap to
	// index (not anything-but, whose test runs on each value): an indexed
	// condition is satisfied exactly when it fired, so evaluating a
	// conjunction mostly reads bits.
	c.indexed = make([]bool, len(c.conds))
	for cid, cd := range c.conds {
		if cid >= len(isAnchor) {
			c.indexed[cid] = true // presence pseudo-condition, indexed above
			continue
		}
		if !isAnchor[cid] && (!costOK[cid] || hasAnythingBut(cd)) {
			continue
		}
		c.index(int32(cid))
		c.indexed[cid] = true
	}
	for _, fx := range c.fields {
		if fx.num.byRange != nil {
			fx.num.finish()
		}
	}
	c.root.finish()
	c.cinfo = make([]int32, len(c.conds))
	for cid := range c.conds {
		c.cinfo[cid] = c.cfield[cid] << 1
		if c.indexed[cid] {
			c.cinfo[cid] |= 1
		}
	}
	c.subOwner = make([]int32, len(c.subs))
	for i := range c.subs {
		c.subOwner[i] = c.subs[i].owner
	}
	// Lay out each conjunction's conditions so that evaluation fails fast:
	// indexed conditions (a bit test) by increasing weight, then the rest.
	rank := func(cid int32) float64 {
		if int(cid) >= len(cost) || !c.indexed[cid] {
			return 2
		}
		return cost[cid]
	}
	c.subStart = make([]int32, len(c.subs)+1)
	for i := range c.subs {
		n := len(c.condFlat)
		c.condFlat = append(c.condFlat, c.subs[i].conds...)
		slices.SortStableFunc(c.condFlat[n:], func(a, b int32) int {
			ra, rb := rank(a), rank(b)
			switch {
			case ra < rb:
				return -1
			case ra > rb:
				return 1
			}
			return 0
		})
		c.subStart[i+1] = int32(len(c.condFlat))
	}
	return c
}

// index adds the tests of an anchor condition to its field's triggers.
func (c *compiled) index(cid int32) {
	cd := c.conds[cid]
	fx := c.fields[c.cfield[cid]]
	if cd.exists {
		fx.present = append(fx.present, cid)
		return
	}
	for _, s := range cd.strs {
		if fx.strs == nil {
			fx.strs = map[string][]int32{}
		}
		fx.strs[s] = appendUnique(fx.strs[s], cid)
	}
	for _, a := range cd.ips {
		if fx.ips == nil {
			fx.ips = map[netip.Addr][]int32{}
		}
		fx.ips[a] = appendUnique(fx.ips[a], cid)
	}
	for _, n := range cd.nums {
		if fx.nums == nil {
			fx.nums = map[float64][]int32{}
		}
		fx.nums[n] = appendUnique(fx.nums[n], cid)
	}
	for _, t := range cd.numTexts {
		if fx.numTexts == nil {
			fx.numTexts = map[string][]int32{}
		}
		fx.numTexts[t] = appendUnique(fx.numTexts[t], cid)
	}
	if cd.tru {
		fx.tru = appendUnique(fx.tru, cid)
	}
	if cd.fals {
		fx.fals = appendUnique(fx.fals, cid)
	}
	if cd.null {
		fx.null = appendUnique(fx.null, cid)
	}
	for i := range cd.ms {
		m := &cd.ms[i]
		switch m.op {
		case opPrefix:
			if fx.prefix == nil {
				fx.prefix = &byteTrie{}
			}
			fx.prefix.add(m.s, cid)
		case opSuffix:
			if fx.suffix == nil {
				fx.suffix = &byteTrie{}
			}
			fx.suffix.add(reverseString(m.s), cid)
		case opPrefixFold:
			if fx.prefixF == nil {
				fx.prefixF = &byteTrie{}
			}
			fx.prefixF.add(m.s, cid)
			fx.needFold = true
		case opSuffixFold:
			if fx.suffixF == nil {
				fx.suffixF = &byteTrie{}
			}
			fx.suffixF.add(reverseString(m.s), cid)
			fx.needFold = true
		case opEqFold:
			if fx.eqFold == nil {
				fx.eqFold = map[string][]int32{}
			}
			fx.eqFold[m.s] = appendUnique(fx.eqFold[m.s], cid)
			fx.needFold = true
		case opCIDR:
			fx.cidr.add(m.cidr, cid)
		case opNumeric:
			fx.num.add(m.num, cid)
		case opWildcard:
			fx.verify.add("w"+m.wc.src, m, cid)
		case opAnythingBut:
			fx.verify.add("a"+m.ab.key, m, cid)
		}
	}
}

func hasAnythingBut(c *cond) bool {
	for i := range c.ms {
		if c.ms[i].op == opAnythingBut {
			return true
		}
	}
	return false
}
