package pattern

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Error is a validation error: the field path (dot-joined, "" for the root)
// and the reason. Reasons reuse the wording of AWS's matching engine
// (event-ruler), which EventBridge returns as
// "Event pattern is not valid. Reason: <reason>".
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// MaxCombinations is EventBridge's limit on the number of combinations a
// pattern's $or blocks may produce (the product of their branch counts).
const MaxCombinations = 1000

// maxWildcardComplexity bounds how many automaton positions one wildcard
// pattern may keep alive at once (see wildcardComplexity), like event-ruler's
// MachineComplexityEvaluator. EventBridge rejects "*:*:*:*:*:event-bus/*"
// (13 here) but accepts "/Users/*/dir/dir/dir/dir/dir/doc.txt" (8); ARN
// patterns with up to four stars stay at or below 10. The exact threshold AWS
// applies is not published, so this is an approximation.
const maxWildcardComplexity = 10

const tooComplex = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"

// Pattern is one compiled EventBridge event pattern. It is immutable and safe
// for concurrent use.
type Pattern struct {
	src  string
	subs [][]*cond // $or expanded: the pattern matches if any conjunction does

	once   sync.Once
	single *Matcher
}

// String returns the pattern's source text.
func (p *Pattern) String() string { return p.src }

// cond is one field's condition: the event has a leaf value at path that
// matches any of the alternatives, or (absent) the path has no leaf at all.
type cond struct {
	path string
	key  string // canonical text of path and alternatives, for merging

	strs     []string     // exact strings (not IP addresses)
	ips      []netip.Addr // exact IP addresses (canonicalised)
	nums     []float64    // exact numbers exactly representable as float64
	numTexts []string     // other exact numbers, compared as text
	tru      bool
	fals     bool
	null     bool
	exists   bool // exists: true
	absent   bool // exists: false
	ms       []matcher
}

type opKind uint8

const (
	opPrefix opKind = iota
	opPrefixFold
	opSuffix
	opSuffixFold
	opEqFold
	opNumeric
	opCIDR
	opWildcard
	opAnythingBut
)

type matcher struct {
	op   opKind
	s    string // prefix, suffix or folded text
	num  numRange
	cidr netip.Prefix
	wc   *wildcard
	ab   *anythingBut
}

type numRange struct {
	lo, hi         float64
	loIncl, hiIncl bool
}

func (r *numRange) contains(f float64) bool {
	if f < r.lo || (f == r.lo && !r.loIncl) {
		return false
	}
	if f > r.hi || (f == r.hi && !r.hiIncl) {
		return false
	}
	return true
}

// anythingBut excludes values; it matches any present value not excluded.
type anythingBut struct {
	key      string // canonical text, to merge identical exclusions
	strs     []string
	ips      []netip.Addr
	nums     []float64
	prefixes []string
	suffixes []string
	folds    []string // folded
	wcs      []*wildcard
}

var operators = map[string]bool{
	"prefix": true, "suffix": true, "equals-ignore-case": true, "anything-but": true,
	"numeric": true, "exists": true, "cidr": true, "wildcard": true,
}

// conj is one object of the pattern (nested objects flattened into it): its
// field conditions and $or groups in document order. Order matters, as in
// event-ruler, which compiles a pattern in one pass: a field condition
// applies to every conjunction built so far, replacing a condition the
// conjunction already holds for the same path, and an $or forks the
// conjunctions built so far, one copy per branch. So a branch that names a
// path the pattern named before it replaces that condition, and a field
// named after the $or replaces the branch's.
type conj struct {
	items []conjItem
}

// conjItem is either a field condition or an $or group.
type conjItem struct {
	cd *cond
	or *orGroup
}

type orGroup struct {
	path string
	alts []*conj
}

func newConj() *conj { return &conj{} }

func (c *conj) set(cd *cond) { c.items = append(c.items, conjItem{cd: cd}) }

func (c *conj) setOr(g *orGroup) { c.items = append(c.items, conjItem{or: g}) }

// Compile validates and compiles one EventBridge event pattern.
func Compile(src []byte) (*Pattern, error) {
	root, err := parseTree(src)
	if err != nil {
		return nil, &Error{Reason: err.Error()}
	}
	if root.kind != jObject {
		return nil, &Error{Reason: "Event pattern must be a JSON object"}
	}
	if len(root.obj) == 0 {
		return nil, &Error{Reason: "Empty objects are not allowed"}
	}
	top := newConj()
	if err := compileObject(top, root, ""); err != nil {
		return nil, err
	}
	if n := combinations(top); n > MaxCombinations {
		return nil, &Error{Reason: fmt.Sprintf("Rule has too many $or combinations: %d, the limit is %d", n, MaxCombinations)}
	}
	p := &Pattern{src: string(src), subs: expand(top)}
	return p, nil
}

// MustCompile is like Compile but panics on error; for tests and static
// rule packs.
func MustCompile(src string) *Pattern {
	p, err := Compile([]byte(src))
	if err != nil {
		panic("pattern: " + err.Error())
	}
	return p
}

// compileObject flattens obj into c. prefix is "" at the root and the
// enclosing path plus "." below it.
func compileObject(c *conj, obj *jvalue, prefix string) error {
	for _, m := range obj.obj {
		path := prefix + m.key
		v := m.val
		switch {
		case m.key == "$or" && v.kind == jArray:
			g, err := compileOr(v, prefix, path)
			if err != nil {
				return err
			}
			c.setOr(g)
		case v.kind == jObject:
			if len(v.obj) == 0 {
				return &Error{Path: path, Reason: "Empty objects are not allowed"}
			}
			if err := compileObject(c, v, path+"."); err != nil {
				return err
			}
		case v.kind == jArray:
			cd, err := compileLeaf(path, v)
			if err != nil {
				return err
			}
			c.set(cd)
		default:
			return &Error{Path: path, Reason: strconv.Quote(m.key) + " must be an object or an array"}
		}
	}
	return nil
}

func compileOr(v *jvalue, prefix, path string) (*orGroup, error) {
	if len(v.arr) < 2 {
		return nil, &Error{Path: path, Reason: "$or must be an array of at least two objects"}
	}
	g := &orGroup{path: path}
	for _, el := range v.arr {
		if el.kind != jObject || len(el.obj) == 0 {
			return nil, &Error{Path: path, Reason: "$or must be an array of at least two non-empty objects"}
		}
		for _, m := range el.obj {
			if operators[m.key] {
				return nil, &Error{Path: path, Reason: fmt.Sprintf("%q is an operator and cannot be a field name inside $or", m.key)}
			}
		}
		alt := newConj()
		if err := compileObject(alt, el, prefix); err != nil {
			return nil, err
		}
		g.alts = append(g.alts, alt)
	}
	return g, nil
}

// combinations is the product of the branch counts of every $or block.
func combinations(c *conj) int {
	n := 1
	for _, it := range c.items {
		if it.or == nil {
			continue
		}
		n = mulCap(n, len(it.or.alts))
		for _, a := range it.or.alts {
			n = mulCap(n, combinations(a))
		}
	}
	return n
}

func mulCap(a, b int) int {
	if a > math.MaxInt32/max(b, 1) {
		return math.MaxInt32
	}
	return a * b
}

// expand turns a conjunction with $or groups into a list of plain
// conjunctions, each with at most one condition per path, sorted by path
// (the order in which event-ruler walks a rule's fields, which decides what
// exists:false inside arrays means: see satisfy).
func expand(c *conj) [][]*cond {
	res := apply([]condSet{{}}, c)
	out := make([][]*cond, len(res))
	for i, r := range res {
		conds := make([]*cond, 0, len(r))
		for _, cd := range r {
			conds = append(conds, cd)
		}
		slices.SortFunc(conds, func(a, b *cond) int { return strings.Compare(a.path, b.path) })
		out[i] = conds
	}
	return out
}

// condSet is a conjunction being built: path -> condition.
type condSet map[string]*cond

// apply adds c's items, in document order, to every conjunction of res.
func apply(res []condSet, c *conj) []condSet {
	for _, it := range c.items {
		if it.cd != nil {
			for _, r := range res {
				r[it.cd.path] = it.cd
			}
			continue
		}
		var next []condSet
		for _, alt := range it.or.alts {
			fork := make([]condSet, len(res))
			for i, r := range res {
				fork[i] = maps.Clone(r)
			}
			next = append(next, apply(fork, alt)...)
		}
		res = next
	}
	return res
}

func compileLeaf(path string, arr *jvalue) (*cond, error) {
	if len(arr.arr) == 0 {
		return nil, &Error{Path: path, Reason: "Empty arrays are not allowed"}
	}
	cd := &cond{path: path}
	for _, el := range arr.arr {
		switch el.kind {
		case jString:
			if a, ok := parseIP([]byte(el.str)); ok {
				cd.ips = append(cd.ips, a)
			} else {
				cd.strs = append(cd.strs, el.str)
			}
		case jNumber:
			if f, ok := exactNumber([]byte(el.str)); ok {
				cd.nums = append(cd.nums, f)
			} else {
				cd.numTexts = append(cd.numTexts, el.str)
			}
		case jTrue:
			cd.tru = true
		case jFalse:
			cd.fals = true
		case jNull:
			cd.null = true
		case jArray:
			return nil, &Error{Path: path, Reason: "Match value must be String, number, true, false, or null"}
		case jObject:
			if err := compileOperator(path, el, cd); err != nil {
				return nil, err
			}
		}
	}
	var key bytes.Buffer
	key.WriteString(strconv.Quote(path))
	key.WriteByte('=')
	for _, el := range arr.arr {
		writeCanonical(&key, el)
		key.WriteByte(',')
	}
	cd.key = key.String()
	return cd, nil
}

// writeCanonical writes a compact JSON form of v (numbers keep their text).
func writeCanonical(b *bytes.Buffer, v *jvalue) {
	switch v.kind {
	case jNull:
		b.WriteString("null")
	case jTrue:
		b.WriteString("true")
	case jFalse:
		b.WriteString("false")
	case jNumber:
		b.WriteString(v.str)
	case jString:
		b.WriteString(strconv.Quote(v.str))
	case jArray:
		b.WriteByte('[')
		for i, e := range v.arr {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, e)
		}
		b.WriteByte(']')
	case jObject:
		b.WriteByte('{')
		for i, m := range v.obj {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(m.key))
			b.WriteByte(':')
			writeCanonical(b, m.val)
		}
		b.WriteByte('}')
	}
}

func compileOperator(path string, el *jvalue, cd *cond) error {
	fail := func(reason string) error { return &Error{Path: path, Reason: reason} }
	if len(el.obj) == 0 {
		return fail("Empty objects are not allowed")
	}
	if len(el.obj) > 1 {
		return fail("Only one key allowed in match expression")
	}
	op, v := el.obj[0].key, el.obj[0].val
	switch op {
	case "prefix", "suffix":
		plain, fold := opPrefix, opPrefixFold
		if op == "suffix" {
			plain, fold = opSuffix, opSuffixFold
		}
		switch v.kind {
		case jString:
			cd.ms = append(cd.ms, matcher{op: plain, s: v.str})
		case jObject:
			if len(v.obj) != 1 || v.obj[0].key != "equals-ignore-case" {
				if len(v.obj) == 1 {
					return fail(fmt.Sprintf("Unsupported %s pattern: %s", op, v.obj[0].key))
				}
				return fail(op + " match pattern must be a string")
			}
			if v.obj[0].val.kind != jString {
				return fail("equals-ignore-case match pattern must be a string")
			}
			cd.ms = append(cd.ms, matcher{op: fold, s: foldString(v.obj[0].val.str)})
		default:
			return fail(op + " match pattern must be a string")
		}
	case "equals-ignore-case":
		if v.kind != jString {
			return fail("equals-ignore-case match pattern must be a string")
		}
		cd.ms = append(cd.ms, matcher{op: opEqFold, s: foldString(v.str)})
	case "wildcard":
		if v.kind != jString {
			return fail("wildcard match pattern must be a string")
		}
		w, err := compileWildcardChecked(v.str)
		if err != "" {
			return fail(err)
		}
		cd.ms = append(cd.ms, matcher{op: opWildcard, wc: w})
	case "numeric":
		r, err := compileNumeric(v)
		if err != "" {
			return fail(err)
		}
		cd.ms = append(cd.ms, matcher{op: opNumeric, num: r})
	case "exists":
		switch v.kind {
		case jTrue:
			cd.exists = true
		case jFalse:
			cd.absent = true
		default:
			return fail("exists match pattern must be either true or false.")
		}
	case "cidr":
		if v.kind != jString {
			// event-ruler's wording, as AWS returns it.
			return fail("prefix match pattern must be a string")
		}
		pfx, err := compileCIDR(v.str)
		if err != "" {
			return fail(err)
		}
		cd.ms = append(cd.ms, matcher{op: opCIDR, cidr: pfx})
	case "anything-but":
		ab, err := compileAnythingBut(v)
		if err != "" {
			return fail(err)
		}
		cd.ms = append(cd.ms, matcher{op: opAnythingBut, ab: ab})
	default:
		return fail("Unrecognized match type " + op)
	}
	return nil
}

func compileWildcardChecked(s string) (*wildcard, string) {
	w, err := compileWildcard(s)
	if err != "" {
		return nil, err
	}
	if wildcardComplexity(&w, maxWildcardComplexity) > maxWildcardComplexity {
		return nil, tooComplex
	}
	return &w, ""
}

func compileNumeric(v *jvalue) (numRange, string) {
	r := numRange{lo: math.Inf(-1), hi: math.Inf(1)}
	if v.kind != jArray {
		return r, "Value of numeric must be an array."
	}
	if len(v.arr) == 0 {
		return r, "Empty arrays are not allowed"
	}
	els := v.arr
	i := 0
	operand := func(op string) (float64, string) {
		if i >= len(els) || els[i].kind != jNumber {
			return 0, "Value of " + op + " must be numeric"
		}
		f, ok := exactNumber([]byte(els[i].str))
		if !ok {
			return 0, "Value of " + op + " must be a number exactly representable as a double: " + els[i].str
		}
		i++
		return f, ""
	}
	opAt := func() (string, bool) {
		if els[i].kind != jString {
			var b bytes.Buffer
			writeCanonical(&b, els[i])
			return b.String(), false
		}
		return els[i].str, true
	}
	op, ok := opAt()
	if !ok {
		return r, "Invalid member in numeric match: " + op
	}
	i++
	switch op {
	case "=":
		f, err := operand(op)
		if err != "" {
			return r, err
		}
		r = numRange{lo: f, hi: f, loIncl: true, hiIncl: true}
	case ">", ">=":
		f, err := operand(op)
		if err != "" {
			return r, err
		}
		r.lo, r.loIncl = f, op == ">="
		if i < len(els) {
			op2, ok := opAt()
			if !ok {
				return r, "Invalid member in numeric match: " + op2
			}
			if op2 != "<" && op2 != "<=" {
				return r, "Bad numeric range operator: " + op2
			}
			i++
			f2, err := operand(op2)
			if err != "" {
				return r, err
			}
			r.hi, r.hiIncl = f2, op2 == "<="
			if !(r.lo < r.hi) {
				return r, "Bottom must be less than top"
			}
		}
	case "<", "<=":
		f, err := operand(op)
		if err != "" {
			return r, err
		}
		r.hi, r.hiIncl = f, op == "<="
	default:
		return r, "Unrecognized numeric range operator: " + op
	}
	if i < len(els) {
		if els[i].kind == jString {
			return r, "Bad numeric range operator: " + els[i].str
		}
		return r, "Too many elements in numeric expression"
	}
	return r, ""
}

func compileCIDR(s string) (netip.Prefix, string) {
	if strings.Count(s, "/") != 1 {
		return netip.Prefix{}, "Malformed CIDR, one '/' required"
	}
	ipText, maskText, _ := strings.Cut(s, "/")
	bits, err := strconv.Atoi(maskText)
	if err != nil || maskText == "" || maskText[0] == '+' {
		return netip.Prefix{}, "Malformed CIDR, mask bits must be an integer"
	}
	a, err := netip.ParseAddr(ipText)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, "Nonstandard IP address: " + ipText
	}
	if bits < 0 {
		return netip.Prefix{}, "Malformed CIDR, mask bits must be >= 0"
	}
	if a.Is4() && bits >= 32 {
		return netip.Prefix{}, "Malformed CIDR, mask bits must be < 32"
	}
	if !a.Is4() && bits >= 128 {
		return netip.Prefix{}, "Malformed CIDR, mask bits must be < 128"
	}
	return netip.PrefixFrom(a, bits).Masked(), ""
}

const abValueReason = "Value of anything-but must be an array or single string/number value."

func compileAnythingBut(v *jvalue) (*anythingBut, string) {
	var key bytes.Buffer
	writeCanonical(&key, v)
	ab := &anythingBut{key: key.String()}
	addValue := func(el *jvalue) string {
		switch el.kind {
		case jString:
			if a, ok := parseIP([]byte(el.str)); ok {
				ab.ips = append(ab.ips, a)
			} else {
				ab.strs = append(ab.strs, el.str)
			}
		case jNumber:
			f, ok := exactNumber([]byte(el.str))
			if !ok {
				return "Inside anything but list, number must be exactly representable as a double: " + el.str
			}
			ab.nums = append(ab.nums, f)
		default:
			return "Inside anything but list, start|null|boolean is not supported."
		}
		return ""
	}
	switch v.kind {
	case jString, jNumber:
		if err := addValue(v); err != "" {
			if v.kind == jNumber {
				return nil, "Value of anything-but must be a number exactly representable as a double: " + v.str
			}
			return nil, err
		}
	case jArray:
		if len(v.arr) == 0 {
			return nil, "Empty arrays are not allowed"
		}
		for _, el := range v.arr {
			if err := addValue(el); err != "" {
				return nil, err
			}
			if el.kind != v.arr[0].kind {
				return nil, "Inside anything but list, all values must be strings or all numbers"
			}
		}
	case jObject:
		if len(v.obj) == 0 {
			return nil, "Empty objects are not allowed"
		}
		if len(v.obj) > 1 {
			return nil, "Only one key allowed in match expression"
		}
		op, val := v.obj[0].key, v.obj[0].val
		var list []*jvalue
		switch val.kind {
		case jArray:
			if len(val.arr) == 0 {
				return nil, "Empty arrays are not allowed"
			}
			list = val.arr
		case jObject:
			if operators[op] {
				return nil, abValueReason
			}
		default:
			list = []*jvalue{val}
		}
		switch op {
		case "prefix", "suffix":
			for _, el := range list {
				if el.kind != jString {
					return nil, "prefix/suffix match pattern must be a string"
				}
				if el.str == "" {
					return nil, "Null prefix/suffix not allowed"
				}
				if op == "prefix" {
					ab.prefixes = append(ab.prefixes, el.str)
				} else {
					ab.suffixes = append(ab.suffixes, el.str)
				}
			}
		case "equals-ignore-case":
			for _, el := range list {
				if el.kind != jString {
					return nil, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
				}
				ab.folds = append(ab.folds, foldString(el.str))
			}
		case "wildcard":
			for _, el := range list {
				if el.kind != jString {
					return nil, "wildcard match pattern must be a string"
				}
				w, err := compileWildcardChecked(el.str)
				if err != "" {
					return nil, err
				}
				ab.wcs = append(ab.wcs, w)
			}
		default:
			return nil, "Unsupported anything-but pattern: " + op
		}
	default:
		return nil, abValueReason
	}
	return ab, ""
}
