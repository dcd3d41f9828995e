package pattern

import (
	"math"
	"net/netip"
	"slices"
)

// numIndex finds the numeric ranges that contain a number. The distinct
// range endpoints split the line into slots (each endpoint, and each open
// interval between neighbours); every slot lists the conditions whose range
// covers it, so a lookup is one binary search.
type numIndex struct {
	byRange map[numRange][]int32
	points  []float64
	slots   [][]int32 // 2*len(points)+1
}

func (x *numIndex) add(r numRange, cid int32) {
	if x.byRange == nil {
		x.byRange = map[numRange][]int32{}
	}
	x.byRange[r] = appendUnique(x.byRange[r], cid)
}

func (x *numIndex) finish() {
	var pts []float64
	for r := range x.byRange {
		if !math.IsInf(r.lo, 0) {
			pts = append(pts, r.lo)
		}
		if !math.IsInf(r.hi, 0) {
			pts = append(pts, r.hi)
		}
	}
	slices.Sort(pts)
	x.points = slices.Compact(pts)
	x.slots = make([][]int32, 2*len(x.points)+1)
	ranges := make([]numRange, 0, len(x.byRange))
	for r := range x.byRange {
		ranges = append(ranges, r)
	}
	slices.SortFunc(ranges, func(a, b numRange) int { // deterministic order
		switch {
		case a.lo != b.lo:
			return cmpFloat(a.lo, b.lo)
		case a.hi != b.hi:
			return cmpFloat(a.hi, b.hi)
		case a.loIncl != b.loIncl:
			return boolCmp(a.loIncl, b.loIncl)
		default:
			return boolCmp(a.hiIncl, b.hiIncl)
		}
	})
	for _, r := range ranges {
		first, last := 0, len(x.slots)-1
		if !math.IsInf(r.lo, 0) {
			i, _ := slices.BinarySearch(x.points, r.lo)
			first = 2*i + 1
			if !r.loIncl {
				first++
			}
		}
		if !math.IsInf(r.hi, 0) {
			i, _ := slices.BinarySearch(x.points, r.hi)
			last = 2*i + 1
			if !r.hiIncl {
				last--
			}
		}
		for s := first; s <= last; s++ {
			x.slots[s] = append(x.slots[s], x.byRange[r]...)
		}
	}
}

func (x *numIndex) lookup(f float64) []int32 {
	i, found := slices.BinarySearch(x.points, f)
	if found {
		return x.slots[2*i+1]
	}
	return x.slots[2*i]
}

func cmpFloat(a, b float64) int {
	if a < b {
		return -1
	}
	return 1
}

func boolCmp(a, b bool) int {
	if !a && b {
		return -1
	}
	return 1
}

// cidrIndex finds the CIDR blocks that contain an address: one map lookup
// per distinct prefix length.
type cidrIndex struct {
	bits  []int
	byPfx map[netip.Prefix][]int32
}

func (x *cidrIndex) add(p netip.Prefix, cid int32) {
	if x.byPfx == nil {
		x.byPfx = map[netip.Prefix][]int32{}
	}
	if !slices.Contains(x.bits, p.Bits()) {
		x.bits = append(x.bits, p.Bits())
		slices.Sort(x.bits)
	}
	x.byPfx[p] = appendUnique(x.byPfx[p], cid)
}

// verifyIndex holds tests that must be run on a value one by one (wildcards,
// anything-but), merged so that each distinct test runs once per value.
// Wildcards that start or end with literal text are found through tries on
// that text, so only plausible ones are run.
type verifyIndex struct {
	tests  []verifyTest
	byKey  map[string]int32
	prefix byteTrie // wildcard first segment -> test
	suffix byteTrie // wildcard last segment, reversed -> test
	always []int32  // tests with no literal end
}

type verifyTest struct {
	m     *matcher
	conds []int32
}

func (x *verifyIndex) add(key string, m *matcher, cid int32) {
	if x.byKey == nil {
		x.byKey = map[string]int32{}
	}
	if i, ok := x.byKey[key]; ok {
		x.tests[i].conds = appendUnique(x.tests[i].conds, cid)
		return
	}
	i := int32(len(x.tests))
	x.byKey[key] = i
	x.tests = append(x.tests, verifyTest{m: m, conds: []int32{cid}})
	if m.op == opWildcard && m.wc.hasStars {
		w := m.wc
		switch {
		case !w.lead && w.segs[0] != "":
			x.prefix.add(w.segs[0], i)
			return
		case !w.trail && w.segs[len(w.segs)-1] != "":
			x.suffix.add(reverseString(w.segs[len(w.segs)-1]), i)
			return
		}
	}
	if m.op == opWildcard && !m.wc.hasStars {
		x.prefix.add(m.wc.segs[0], i) // an exact string: its own prefix
		return
	}
	x.always = append(x.always, i)
}
