#!/usr/bin/env python3
"""Writes ../invalid.jsonl: patterns EventBridge rejects, with the reason and
field path Compile must report. Reasons follow event-ruler's wording where
AWS's answer is known (see aws-invalid.jsonl); the rest are ours.
Run: python3 invalid.py > ../invalid.jsonl
"""
import json, sys
cases = []
def raw(v):
    if isinstance(v, str):
        return v
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
def c(id, pattern, path, reason, why):
    cases.append((id, pattern, path, reason, why))

# root
c("root-array", '[{"a":["1"]}]', "", "Event pattern must be a JSON object", "the pattern must be an object (docs 13)")
c("root-string", '"x"', "", "Event pattern must be a JSON object", "the pattern must be an object (docs 13)")
c("root-empty", '{}', "", "Empty objects are not allowed", "no empty objects (docs 13)")
c("root-malformed", '{"a":["1"]', "", None, "malformed JSON")
c("root-trailing", '{"a":["1"]} x', "", None, "data after the object")
c("root-number", '5', "", "Event pattern must be a JSON object", "numbers are not patterns")
# leaves
c("leaf-string", {"a": "x"}, "a", '"a" must be an object or an array', "a leaf must be an array (docs 13)")
c("leaf-number", {"a": {"b": 1}}, "a.b", '"b" must be an object or an array', "nested leaf must be an array")
c("leaf-null", {"a": None}, "a", '"a" must be an object or an array', "null is not a leaf array")
c("leaf-true", {"a": True}, "a", '"a" must be an object or an array', "true is not a leaf array")
c("leaf-empty-array", {"a": []}, "a", "Empty arrays are not allowed", "no empty arrays (docs 13)")
c("nested-empty-object", {"a": {}}, "a", "Empty objects are not allowed", "no empty objects (docs 13)")
c("nested-array", {"a": [["x"]]}, "a", "Match value must be String, number, true, false, or null", "no nested arrays (docs 13)")
c("leaf-empty-operator", {"a": [{}]}, "a", "Empty objects are not allowed", "an operator object needs one key")
c("leaf-two-operators", {"a": [{"prefix": "x", "suffix": "y"}]}, "a", "Only one key allowed in match expression", "one operator per object")
c("deep-path", {"detail": {"userIdentity": {"type": [{"prefix": 1}]}}}, "detail.userIdentity.type", "prefix match pattern must be a string", "the error names the full path")
# operators
c("unknown-op", {"a": [{"contains": "x"}]}, "a", "Unrecognized match type contains", "unknown operator (docs 13)")
c("op-upper", {"a": [{"Prefix": "x"}]}, "a", "Unrecognized match type Prefix", "operator names are lower-case (docs 13)")
c("op-anything-but-case", {"a": [{"Anything-But": "x"}]}, "a", "Unrecognized match type Anything-But", "exact operator names (docs 13)")
c("prefix-number", {"a": [{"prefix": 1}]}, "a", "prefix match pattern must be a string", "prefix takes a string")
c("prefix-null", {"a": [{"prefix": None}]}, "a", "prefix match pattern must be a string", "prefix takes a string")
c("prefix-unknown-object", {"a": [{"prefix": {"wildcard": "x"}}]}, "a", "Unsupported prefix pattern: wildcard", "only equals-ignore-case nests in prefix")
c("prefix-ic-number", {"a": [{"prefix": {"equals-ignore-case": 5}}]}, "a", "equals-ignore-case match pattern must be a string", "folded prefix takes a string")
c("suffix-list", {"a": [{"suffix": ["x"]}]}, "a", "suffix match pattern must be a string", "suffix takes one string")
c("suffix-ic-list", {"a": [{"suffix": {"equals-ignore-case": ["x"]}}]}, "a", "equals-ignore-case match pattern must be a string", "folded suffix takes a string")
c("eic-list", {"a": [{"equals-ignore-case": ["x", "y"]}]}, "a", "equals-ignore-case match pattern must be a string", "equals-ignore-case takes a string, not a list (docs 10)")
c("eic-number", {"a": [{"equals-ignore-case": 1}]}, "a", "equals-ignore-case match pattern must be a string", "strings only")
c("exists-string", {"a": [{"exists": "true"}]}, "a", "exists match pattern must be either true or false.", "exists takes a boolean")
c("exists-null", {"a": [{"exists": None}]}, "a", "exists match pattern must be either true or false.", "exists takes a boolean")
# numeric
c("numeric-string-value", {"a": [{"numeric": [">", "5"]}]}, "a", "Value of > must be numeric", "numeric values are JSON numbers (docs 2)")
c("numeric-object", {"a": [{"numeric": {">": 5}}]}, "a", "Value of numeric must be an array.", "numeric takes an array (docs 2)")
c("numeric-empty", {"a": [{"numeric": []}]}, "a", "Empty arrays are not allowed", "no empty arrays")
c("numeric-bad-op", {"a": [{"numeric": ["!=", 5]}]}, "a", "Unrecognized numeric range operator: !=", "unknown numeric operator")
c("numeric-two-lower", {"a": [{"numeric": [">", 1, ">=", 2]}]}, "a", "Bad numeric range operator: >=", "lower bound must be followed by an upper bound (docs 2)")
c("numeric-upper-then-lower", {"a": [{"numeric": ["<", 10, ">", 1]}]}, "a", "Bad numeric range operator: >", "upper bound first is not allowed (docs 2)")
c("numeric-eq-range", {"a": [{"numeric": ["=", 1, "<", 2]}]}, "a", "Bad numeric range operator: <", "= stands alone (docs 2)")
c("numeric-bottom-top", {"a": [{"numeric": [">", 10, "<", 5]}]}, "a", "Bottom must be less than top", "bottom below top (docs 2)")
c("numeric-bottom-equal-top", {"a": [{"numeric": [">=", 5, "<=", 5]}]}, "a", "Bottom must be less than top", "bottom strictly below top (docs 2)")
c("numeric-missing-value", {"a": [{"numeric": [">="]}]}, "a", "Value of >= must be numeric", "operator without value")
c("numeric-too-many", {"a": [{"numeric": [">", 1, "<", 5, 6]}]}, "a", "Too many elements in numeric expression", "at most two bounds")
c("numeric-inexact", '{"a":[{"numeric":[">",12345678901234567890]}]}', "a", "Value of > must be a number exactly representable as a double: 12345678901234567890", "inexact numbers rejected (docs 1)")
c("numeric-1e309", '{"a":[{"numeric":["<",1e309]}]}', "a", "Value of < must be a number exactly representable as a double: 1e309", "out of range (docs 1)")
c("numeric-1e-400", '{"a":[{"numeric":["=",1e-400]}]}', "a", "Value of = must be a number exactly representable as a double: 1e-400", "underflow (docs 1)")
c("numeric-op-number", {"a": [{"numeric": [5, ">"]}]}, "a", "Invalid member in numeric match: 5", "operator must come first")
# anything-but
c("ab-empty-list", {"a": [{"anything-but": []}]}, "a", "Empty arrays are not allowed", "anything-but list must not be empty (docs 4)")
c("ab-mixed-list", {"a": [{"anything-but": ["x", 1]}]}, "a", "Inside anything but list, all values must be strings or all numbers", "all strings or all numbers (docs 4)")
c("ab-bool", {"a": [{"anything-but": True}]}, "a", "Value of anything-but must be an array or single string/number value.", "no booleans")
c("ab-list-bool", {"a": [{"anything-but": [True]}]}, "a", "Inside anything but list, start|null|boolean is not supported.", "no booleans in the list")
c("ab-list-object", {"a": [{"anything-but": [{"prefix": "x"}]}]}, "a", "Inside anything but list, start|null|boolean is not supported.", "no objects in the list")
c("ab-nested-numeric", {"a": [{"anything-but": {"numeric": [">", 1]}}]}, "a", "Unsupported anything-but pattern: numeric", "no nested forms besides prefix/suffix/equals-ignore-case/wildcard (docs 4)")
c("ab-nested-ab", {"a": [{"anything-but": {"anything-but": "x"}}]}, "a", "Unsupported anything-but pattern: anything-but", "no nesting (docs 4)")
c("ab-nested-exists", {"a": [{"anything-but": {"exists": True}}]}, "a", "Unsupported anything-but pattern: exists", "no exists inside anything-but")
c("ab-two-keys", {"a": [{"anything-but": {"prefix": "x", "suffix": "y"}}]}, "a", "Only one key allowed in match expression", "one form at a time")
c("ab-empty-object", {"a": [{"anything-but": {}}]}, "a", "Empty objects are not allowed", "empty anything-but object")
c("ab-prefix-empty-in-list", {"a": [{"anything-but": {"prefix": ["x", ""]}}]}, "a", "Null prefix/suffix not allowed", "empty prefix in a list (docs 4)")
c("ab-prefix-empty-list", {"a": [{"anything-but": {"prefix": []}}]}, "a", "Empty arrays are not allowed", "empty list")
c("ab-number-inexact", '{"a":[{"anything-but":[1,12345678901234567890]}]}', "a", "Inside anything but list, number must be exactly representable as a double: 12345678901234567890", "inexact numbers rejected in anything-but lists (docs 1)")
c("ab-wildcard-consecutive", {"a": [{"anything-but": {"wildcard": "a**"}}]}, "a", "Consecutive wildcard characters at pos 2", "wildcard rules apply inside anything-but")
c("ab-eic-null", {"a": [{"anything-but": {"equals-ignore-case": None}}]}, "a", "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", "strings only")
# cidr
c("cidr-32", {"ip": [{"cidr": "10.0.0.1/32"}]}, "ip", "Malformed CIDR, mask bits must be < 32", "/32 is rejected (docs 8)")
c("cidr-128", {"ip": [{"cidr": "2001:db8::1/128"}]}, "ip", "Malformed CIDR, mask bits must be < 128", "/128 is rejected (docs 8)")
c("cidr-33", {"ip": [{"cidr": "10.0.0.0/33"}]}, "ip", "Malformed CIDR, mask bits must be < 32", "mask too large")
c("cidr-negative", {"ip": [{"cidr": "10.0.0.0/-1"}]}, "ip", "Malformed CIDR, mask bits must be >= 0", "negative mask")
c("cidr-no-mask", {"ip": [{"cidr": "10.0.0.0"}]}, "ip", "Malformed CIDR, one '/' required", "cidr needs a mask")
c("cidr-two-slashes", {"ip": [{"cidr": "10.0.0.0/8/8"}]}, "ip", "Malformed CIDR, one '/' required", "one slash")
c("cidr-empty-mask", {"ip": [{"cidr": "10.0.0.0/"}]}, "ip", "Malformed CIDR, mask bits must be an integer", "empty mask")
c("cidr-bad-octet", {"ip": [{"cidr": "10.0.0.256/8"}]}, "ip", "Nonstandard IP address: 10.0.0.256", "octet out of range")
c("cidr-number", {"ip": [{"cidr": 10}]}, "ip", "prefix match pattern must be a string", "cidr takes a string (event-ruler's wording)")
# wildcard
c("wc-consecutive", {"s": [{"wildcard": "a**b"}]}, "s", "Consecutive wildcard characters at pos 2", "** is invalid (docs 9)")
c("wc-bad-escape", '{"s":[{"wildcard":"a\\\\b"}]}', "s", "Invalid escape character at pos 1", "only \\* and \\\\ are escapes (docs 9)")
c("wc-trailing-backslash", '{"s":[{"wildcard":"ab\\\\"}]}', "s", "Invalid escape character at pos 2", "trailing backslash (docs 9)")
c("wc-too-complex", {"s": [{"wildcard": "*a*a*a*a*a*a*"}]}, "s", "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character", "complexity limit (docs 9)")
c("wc-too-complex-arn", {"s": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}, "s", "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character", "AWS's own example (docs 9)")
c("wc-list", {"s": [{"wildcard": ["a*"]}]}, "s", "wildcard match pattern must be a string", "wildcard takes one string")
# $or
c("or-one", {"$or": [{"a": ["1"]}]}, "$or", "$or must be an array of at least two objects", "$or needs two alternatives (docs 12)")
c("or-empty", {"$or": []}, "$or", "$or must be an array of at least two objects", "$or needs two alternatives (docs 12)")
c("or-empty-object", {"$or": [{"a": ["1"]}, {}]}, "$or", "$or must be an array of at least two non-empty objects", "no empty alternatives (docs 12)")
c("or-string-alt", {"$or": [{"a": ["1"]}, "b"]}, "$or", "$or must be an array of at least two non-empty objects", "alternatives are objects (docs 12)")
c("or-operator-key", {"$or": [{"prefix": ["1"]}, {"b": ["2"]}]}, "$or", '"prefix" is an operator and cannot be a field name inside $or', "operator keywords are not field names inside $or (docs 12)")
c("or-nested-path", {"detail": {"$or": [{"a": ["1"]}]}}, "detail.$or", "$or must be an array of at least two objects", "the path names the $or")
c("or-string", {"$or": "x"}, "$or", '"$or" must be an object or an array', "$or must be an array (or an object: a plain field)")
c("or-branch-error", {"$or": [{"a": ["1"]}, {"b": [{"numeric": 5}]}]}, "b", "Value of numeric must be an array.", "errors inside branches are found")
c("or-too-many", {"$or": [{"a%d" % i: ["1"]} for i in range(11)], "x": {"$or": [{"b%d" % i: ["1"]} for i in range(10)]}, "y": {"$or": [{"c%d" % i: ["1"]} for i in range(10)]}},
  "", "Rule has too many $or combinations: 1100, the limit is 1000", "more than 1000 combinations (docs 12)")
c("or-too-many-nested", {"$or": [{"a": ["1"], "$or": [{"b%d" % i: ["1"]} for i in range(40)]}, {"c": ["1"], "$or": [{"d%d" % i: ["1"]} for i in range(30)]}]},
  "", "Rule has too many $or combinations: 2400, the limit is 1000", "the limit is the product of branch counts (docs 12)")

lines = []
seen = set()
for id, p, path, reason, why in cases:
    assert id not in seen, id
    seen.add(id)
    rp = raw(p)
    line = '{"id":%s,"pattern_raw":%s,' % (json.dumps(id), json.dumps(rp, ensure_ascii=False))
    if reason is not None:
        line += '"reason":%s,' % json.dumps(reason, ensure_ascii=False)
    line += '"path":%s,"why":%s}' % (json.dumps(path), json.dumps(why, ensure_ascii=False))
    json.loads(line)
    lines.append(line)
sys.stdout.write("\n".join(lines) + "\n")
print(len(lines), file=sys.stderr)
