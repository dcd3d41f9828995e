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
	cands := make([][]*evValue, len(conds))
	for i, c := range conds {
		vals := fe[c.path]
		if len(vals) == 0 {
			if !c.absent {
				return false
			}
			continue // satisfied by absence: no value chosen
		}
		var ok []*evValue
		for _, v := range vals {
			if c.matchValue(v) {
				ok = append(ok, v)
			}
		}
		if len(ok) == 0 {
			return false
		}
		cands[i] = ok
	}
	return satisfy(cands, nil)
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
