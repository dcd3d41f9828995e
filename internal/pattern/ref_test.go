package pattern

// This file is the reference evaluator: it parses the whole event into a
// tree, flattens every leaf with its array positions and tries each
// conjunction by brute force. It is slow and simple on purpose; the tests
// and fuzz targets check the fast Matcher against it.

type flatEvent map[string][]*evValue

func flattenEvent(event []byte) (flatEvent, error) {
	root, err := parseTree(event)
	if err != nil {
		return nil, err
	}
	if root.kind != jObject {
		return nil, errNotObject
	}
	fe := flatEvent{}
	var arrays int32
	var walk func(v *jvalue, path string, ap arrPath)
	walk = func(v *jvalue, path string, ap arrPath) {
		switch v.kind {
		case jObject:
			for _, m := range v.obj {
				walk(m.val, path+"."+m.key, ap)
			}
		case jArray:
			id := arrays
			arrays++
			for i, el := range v.arr {
				if el.kind != jObject && el.kind != jArray {
					// A scalar element carries no position in its own
					// array, as in event-ruler: only fields of objects
					// (and nested arrays) are tied to an element.
					walk(el, path, ap)
					continue
				}
				sub := append(ap[:len(ap):len(ap)], arrStep{id, int32(i)})
				walk(el, path, sub)
			}
		default:
			ev := &evValue{kind: v.kind, b: []byte(v.str), arr: ap, field: -1}
			fe[path] = append(fe[path], ev)
		}
	}
	for _, m := range root.obj {
		walk(m.val, m.key, nil)
	}
	return fe, nil
}

func refMatchConj(fe flatEvent, conds []*cond) bool {
	items := make([]satItem, len(conds))
	for i, c := range conds {
		vals := fe[c.path]
		for _, v := range vals {
			if c.matchValue(v) {
				items[i].cands = append(items[i].cands, v)
			}
		}
		items[i].absent = c.absent
		items[i].all = vals
	}
	return satisfy(items, nil)
}

func (p *Pattern) refMatch(fe flatEvent) bool {
	for _, conds := range p.subs {
		if refMatchConj(fe, conds) {
			return true
		}
	}
	return false
}

// referenceMatch evaluates a pattern with the reference evaluator.
func referenceMatch(p *Pattern, event []byte) (bool, error) {
	fe, err := flattenEvent(event)
	if err != nil {
		return false, err
	}
	return p.refMatch(fe), nil
}
