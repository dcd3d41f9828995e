package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Same reports whether two policy documents are semantically equal: equal
// after JSON normalisation, where a single statement object equals a
// one-element Statement array, a one-element string array equals the string,
// the order of values in string arrays (actions, resources, principals,
// condition values) does not matter, and neither does the order of
// statements. Unparsable documents are equal only byte for byte.
func Same(a, b string) bool {
	na, errA := normalizeDoc(a)
	nb, errB := normalizeDoc(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return na == nb
}

// SameJSON compares two JSON values (statements, say) with Same's
// normalisation.
func SameJSON(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	return mustJSON(normalizeValue(va)) == mustJSON(normalizeValue(vb))
}

// Normalize returns the canonical JSON of a policy document (Same compares
// these).
func Normalize(s string) (string, error) { return normalizeDoc(s) }

func normalizeDoc(s string) (string, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	if st, ok := m["Statement"].(map[string]any); ok {
		m["Statement"] = []any{st}
	}
	if sts, ok := m["Statement"].([]any); ok {
		for i := range sts {
			sts[i] = normalizeValue(sts[i])
		}
		sort.Slice(sts, func(i, j int) bool { return mustJSON(sts[i]) < mustJSON(sts[j]) })
	}
	return mustJSON(m), nil
}

// normalizeValue folds the string-or-array forms IAM treats alike.
func normalizeValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeValue(e)
		}
		return x
	case []any:
		allStrings := true
		for i := range x {
			x[i] = normalizeValue(x[i])
			if _, ok := x[i].(string); !ok {
				allStrings = false
			}
		}
		if allStrings {
			if len(x) == 1 {
				return x[0]
			}
			sort.Slice(x, func(i, j int) bool { return x[i].(string) < x[j].(string) })
		}
		return x
	default:
		return v
	}
}
