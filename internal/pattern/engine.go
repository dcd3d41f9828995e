package pattern

import "math/bits"

// state is the per-event scratch space of one goroutine. Arrays indexed by
// field, condition, conjunction and pattern are stamped with the current
// epoch instead of being cleared between events.
type state struct {
	c     *compiled
	epoch uint32

	vals      []evValue
	fieldHead []int32 // first value of each field (when fieldSeen == epoch)
	fieldTail []int32
	fieldSeen []uint32

	condMark []uint32 // epoch<<1 | satisfied, for conditions evaluated or fired this event
	subSeen  []uint32 // conjunction queued this event
	ownSeen  []uint32 // pattern matched this event

	cands   []int32
	matched []int32

	arrays    int32     // arrays numbered so far in this event
	arrStack  []arrStep // enclosing arrays of the current position
	arrSteps  []arrStep // arena for the values' array paths
	hasArrays bool      // some recorded value sits inside an array
	keyBuf    []byte    // decoded object keys
	tmp       []int32
	bits      []uint64   // scratch bitmap of matched patterns
	satVals   []*evValue // arena of the array-consistency search
	satBounds []int32
	satItems  []satItem
	chosen    []*evValue
}

func newState(c *compiled) *state {
	nf, nc, ns, no := len(c.fields), len(c.conds), len(c.subs), len(c.ids)
	return &state{
		c:         c,
		fieldHead: make([]int32, nf),
		fieldTail: make([]int32, nf),
		fieldSeen: make([]uint32, nf),
		condMark:  make([]uint32, nc),
		subSeen:   make([]uint32, ns),
		ownSeen:   make([]uint32, no),
	}
}

func (st *state) begin() {
	st.epoch++
	if st.epoch == 1<<31 { // wrapped: clear the stamps once every 2^31 events
		clear(st.fieldSeen)
		clear(st.condMark)
		clear(st.subSeen)
		clear(st.ownSeen)
		st.epoch = 1
	}
	st.vals = st.vals[:0]
	st.cands = st.cands[:0]
	st.matched = st.matched[:0]
	st.arrays = 0
	st.arrStack = st.arrStack[:0]
	st.arrSteps = st.arrSteps[:0]
	st.hasArrays = false
}

// run matches one event and appends the ids of the matching patterns.
func (st *state) run(dst []string, event []byte) ([]string, error) {
	st.begin()
	if err := st.scanEvent(event); err != nil {
		return dst, err
	}
	c := st.c
	if st.hasArrays {
		for i := range st.vals {
			v := &st.vals[i]
			if n := int(v.arrLen); n > 0 {
				v.arr = st.arrSteps[v.arrOff : int(v.arrOff)+n]
			} else {
				v.arr = nil
			}
		}
	}
	for _, si := range c.always {
		st.queue(si)
	}
	for _, si := range st.cands {
		owner := c.subOwner[si]
		if st.ownSeen[owner] == st.epoch {
			continue
		}
		if st.evalSub(si) {
			st.ownSeen[owner] = st.epoch
			st.matched = append(st.matched, owner)
		}
	}
	switch n := len(st.matched); {
	case n <= 32:
		// Insertion sort: few matches is the common case.
		ms := st.matched
		for i := 1; i < len(ms); i++ {
			for j := i; j > 0 && ms[j] < ms[j-1]; j-- {
				ms[j], ms[j-1] = ms[j-1], ms[j]
			}
		}
		for _, o := range ms {
			dst = append(dst, c.ids[o])
		}
	default:
		// Many matches: walk a bitmap of the patterns instead of sorting.
		if st.bits == nil {
			st.bits = make([]uint64, (len(c.ids)+63)/64)
		}
		for _, o := range st.matched {
			st.bits[o>>6] |= 1 << (o & 63)
		}
		for w, word := range st.bits {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				dst = append(dst, c.ids[w*64+b])
				word &= word - 1
			}
			st.bits[w] = 0
		}
	}
	return dst, nil
}

func (st *state) queue(si int32) {
	if st.subSeen[si] != st.epoch {
		st.subSeen[si] = st.epoch
		st.cands = append(st.cands, si)
	}
}

// fire marks anchor conditions as satisfied and queues the conjunctions
// anchored on them.
func (st *state) fire(ids []int32) {
	fired := st.epoch<<1 | 1
	for _, cid := range ids {
		if st.condMark[cid]>>1 == st.epoch {
			continue
		}
		st.condMark[cid] = fired
		for _, si := range st.c.anchored[cid] {
			st.queue(si)
		}
	}
}

// evalCond reports whether some value of the condition's field satisfies it
// (or the field is absent and the condition allows that).
func (st *state) evalCond(cid int32) bool {
	if m := st.condMark[cid]; m>>1 == st.epoch {
		return m&1 == 1
	}
	info := st.c.cinfo[cid]
	if info&1 == 1 {
		return false // indexed: it would have fired
	}
	ok := false
	f := info >> 1
	cd := st.c.conds[cid]
	if st.fieldSeen[f] != st.epoch {
		ok = cd.absent
	} else {
		inArrays := true // every value sits in an array element
		for i := st.fieldHead[f]; i >= 0; i = st.vals[i].next {
			if cd.matchValue(&st.vals[i]) {
				ok = true
				break
			}
			inArrays = inArrays && st.vals[i].arrLen > 0
		}
		// exists:false may still hold in the array elements the other
		// conditions choose; evalSub's search decides.
		ok = ok || (cd.absent && inArrays)
	}
	st.condMark[cid] = st.epoch << 1
	if ok {
		st.condMark[cid] |= 1
	}
	return ok
}

func (st *state) evalSub(si int32) bool {
	c := st.c
	conds := c.condFlat[c.subStart[si]:c.subStart[si+1]]
	// A quick pass over the bits first: most candidates fail here.
	for _, cid := range conds {
		if m := st.condMark[cid]; m>>1 == st.epoch {
			if m&1 == 0 {
				return false
			}
		} else if c.cinfo[cid]&1 == 1 {
			return false // indexed and not fired
		}
	}
	s := &c.subs[si]
	inArrays := false
	for _, cid := range conds {
		if !st.evalCond(cid) {
			return false
		}
		if st.hasArrays && !inArrays {
			f := st.c.cfield[cid]
			if st.fieldSeen[f] == st.epoch {
				for i := st.fieldHead[f]; i >= 0; i = st.vals[i].next {
					if st.vals[i].arrLen > 0 {
						inArrays = true
						break
					}
				}
			}
		}
	}
	if !inArrays || (len(s.conds) < 2 && !s.absent) {
		return true
	}
	// Array consistency: choose one value per condition, all from the same
	// element of any array they share; exists:false holds where no value is
	// consistent with those chosen before it (s.conds is in path order).
	vals := st.satVals[:0]
	bounds := st.satBounds[:0] // per condition: end of its cands, end of its all
	for _, cid := range s.conds {
		f := st.c.cfield[cid]
		cd := st.c.conds[cid]
		seen := st.fieldSeen[f] == st.epoch
		if seen {
			for i := st.fieldHead[f]; i >= 0; i = st.vals[i].next {
				if cd.matchValue(&st.vals[i]) {
					vals = append(vals, &st.vals[i])
				}
			}
		}
		mid := int32(len(vals))
		if cd.absent && seen {
			for i := st.fieldHead[f]; i >= 0; i = st.vals[i].next {
				vals = append(vals, &st.vals[i])
			}
		}
		bounds = append(bounds, mid, int32(len(vals)))
	}
	items := st.satItems[:0]
	start := int32(0)
	for k, cid := range s.conds {
		mid, end := bounds[2*k], bounds[2*k+1]
		items = append(items, satItem{cands: vals[start:mid:mid], absent: st.c.conds[cid].absent, all: vals[mid:end:end]})
		start = end
	}
	st.satVals, st.satBounds, st.satItems = vals, bounds, items
	if cap(st.chosen) < len(items) {
		st.chosen = make([]*evValue, 0, 2*len(items)) // satisfy appends at most one per item
	}
	return satisfy(items, st.chosen[:0])
}

// record adds a leaf value of a referenced field and fires its triggers.
func (st *state) record(f int32, kind jkind, b []byte) {
	idx := int32(len(st.vals))
	if cap(st.vals) > len(st.vals) {
		st.vals = st.vals[:idx+1]
	} else {
		st.vals = append(st.vals, evValue{})
	}
	v := &st.vals[idx]
	v.reset(kind, b)
	v.field, v.next = f, -1
	v.arrOff, v.arrLen = int32(len(st.arrSteps)), int32(len(st.arrStack))
	if len(st.arrStack) > 0 {
		st.arrSteps = append(st.arrSteps, st.arrStack...)
		st.hasArrays = true
	}
	if st.fieldSeen[f] != st.epoch {
		st.fieldSeen[f] = st.epoch
		st.fieldHead[f] = idx
	} else {
		st.vals[st.fieldTail[f]].next = idx
	}
	st.fieldTail[f] = idx
	st.trigger(st.c.fields[f], v)
}

func (st *state) trigger(fx *fieldIx, v *evValue) {
	if len(fx.present) > 0 {
		st.fire(fx.present)
	}
	switch v.kind {
	case jString:
		if fx.strs != nil {
			if ids, ok := fx.strs[string(v.b)]; ok {
				st.fire(ids)
			}
		}
		if fx.ips != nil || fx.cidr.byPfx != nil {
			if a, ok := v.addr(); ok {
				if ids, ok := fx.ips[a]; ok {
					st.fire(ids)
				}
				for _, bits := range fx.cidr.bits {
					if p, err := a.Prefix(bits); err == nil {
						if ids, ok := fx.cidr.byPfx[p]; ok {
							st.fire(ids)
						}
					}
				}
			}
		}
		if fx.prefix != nil {
			fx.prefix.walk(v.b, false, st)
		}
		if fx.suffix != nil {
			fx.suffix.walk(v.b, true, st)
		}
		if fx.needFold {
			fb := v.folding()
			if fx.eqFold != nil {
				if ids, ok := fx.eqFold[string(fb)]; ok {
					st.fire(ids)
				}
			}
			if fx.prefixF != nil {
				fx.prefixF.walk(fb, false, st)
			}
			if fx.suffixF != nil {
				fx.suffixF.walk(fb, true, st)
			}
		}
	case jNumber:
		if fx.numTexts != nil {
			if ids, ok := fx.numTexts[string(v.b)]; ok {
				st.fire(ids)
			}
		}
		if fx.nums != nil || fx.num.byRange != nil {
			if f, ok := v.number(); ok {
				if ids, ok := fx.nums[f]; ok {
					st.fire(ids)
				}
				if fx.num.byRange != nil {
					st.fire(fx.num.lookup(f))
				}
			}
		}
	case jTrue:
		st.fire(fx.tru)
	case jFalse:
		st.fire(fx.fals)
	case jNull:
		st.fire(fx.null)
	}
	if len(fx.verify.tests) > 0 {
		st.verify(&fx.verify, v)
	}
}

// verify runs the merged one-by-one tests that may apply to v.
func (st *state) verify(x *verifyIndex, v *evValue) {
	tmp := st.tmp[:0]
	if v.kind == jString {
		tmp = x.prefix.collect(v.b, false, tmp)
		tmp = x.suffix.collect(v.b, true, tmp)
	}
	tmp = append(tmp, x.always...)
	for _, ti := range tmp {
		t := &x.tests[ti]
		if st.allFired(t.conds) {
			continue
		}
		if t.m.match(v) {
			st.fire(t.conds)
		}
	}
	st.tmp = tmp
}

func (st *state) allFired(ids []int32) bool {
	for _, cid := range ids {
		if st.condMark[cid]>>1 != st.epoch {
			return false
		}
	}
	return true
}
