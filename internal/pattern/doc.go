// Package pattern implements Amazon EventBridge event patterns: it validates
// and compiles patterns (Compile), and matches events against one pattern
// (Pattern.Match) or against many at once (Matcher). It aims at the answers
// EventBridge itself gives, whose engine is AWS's event-ruler
// (github.com/aws/event-ruler). The fine points are proved by the
// conformance files in testdata: aws-match.jsonl and aws-invalid.jsonl hold
// cases whose answers AWS gave, cases.jsonl and invalid.jsonl this package's
// own, each with the reason for its answer (testdata/SOURCES.md says where
// each file comes from).
//
// # Compiling
//
// Compile parses the pattern with a strict JSON parser that keeps key order,
// duplicate keys and the literal text of numbers, and validates it with
// event-ruler's error wording (an *Error names the dot-joined field path and
// the reason). Nested objects are flattened into dot-joined paths, where a
// later duplicate path replaces an earlier one. Every $or is expanded, so a
// pattern becomes a small list of conjunctions (at most MaxCombinations), each
// a list of conditions, one per path. Expansion follows the pattern's text in
// order, as event-ruler's one-pass compiler does: an $or forks the
// conjunctions built so far, one copy per branch, and a field sets its
// condition in every conjunction built so far. So a branch that names a path
// the pattern named before the $or replaces that condition in its copy
// ({"name":["a"],"$or":[{"name":["c"]},{"k":["x"]}]} matches {"name":"c"}),
// and a field written after the $or replaces the branch's. A condition belongs to one path and holds the
// alternatives of its leaf array: exact strings (IP addresses canonicalised),
// exact numbers (compared as float64 when the text is exactly a double,
// otherwise as text), true/false/null, exists, and operator matchers (prefix,
// suffix, equals-ignore-case with simple Unicode case folding, numeric
// ranges, cidr, wildcard, anything-but).
//
// # Matching many patterns
//
// A Matcher turns all conjunctions of all its patterns into one index, built
// on the first match after an Add:
//
//   - a trie of the referenced paths, one node per path segment;
//   - merged conditions: equal conditions of different patterns (same path,
//     same alternatives) become one, evaluated at most once per event;
//   - per field, trigger indexes over the conditions: hash maps for exact
//     strings, numbers, IP addresses and case-folded strings, byte tries for
//     prefixes and (reversed) suffixes, a sorted interval index for numeric
//     ranges, one map per CIDR prefix length, and merged one-by-one tests for
//     wildcards (found through a trie on their literal ends) and anything-but;
//   - for each conjunction an anchor: the condition least likely to fire,
//     estimated from its kind and how many values patterns use on its field.
//
// Matching an event is one pass over its raw bytes with a hand-written
// scanner that follows the path trie: a value whose path no pattern
// references is skipped by checking only its structure (strings terminated,
// brackets balanced), never decoded, never allocated. Each leaf at a
// referenced path is recorded with its position in enclosing arrays and
// probes its field's indexes; the conditions it satisfies "fire", and a fired
// anchor queues its conjunctions. After the pass, each queued conjunction is
// checked: indexed conditions are a bit test (fired or not), the others
// (exists:false, anything-but that is not an anchor) are evaluated on the
// recorded values. When the values involved sit in arrays, a final search
// enforces EventBridge's array consistency.
//
// # Array consistency
//
// As in event-ruler, a value's position is the element of each enclosing
// array that is an object or an array; a scalar element of an array has no
// position in that array. Values chosen for the conditions of one
// conjunction must not sit in different elements of the same array: fields
// under one object of an array go together, while a plain value and an
// object's field in the same array ({"a":["x",{"b":"y"}]}) do not conflict.
// The search visits the conditions in path order, as event-ruler walks a
// rule's sorted fields, and exists:false holds where no value at its path is
// consistent with the values chosen before it: per array element, so
// {"employees":{"firstName":["Anna"],"ids":[{"exists":false}]}} matches when
// Anna's element has no ids although John's has. The order is event-ruler's
// and shows: an exists:false path that sorts before every other path of the
// conjunction is tested before any element is chosen, so it must be absent
// everywhere. So the work per event grows with the
// size of the event and with the conditions its values satisfy, not with the
// number of patterns.
//
// # Decisions where EventBridge is silent or quirky
//
//   - Case-insensitive operators use Unicode simple case folding (as
//     strings.EqualFold): ASCII, Latin-1, Greek (σ, ς and Σ are equal) and
//     Cyrillic fold; nothing folds to several characters (ß is not SS).
//   - Paths are ordered by their bytes (Go string order); event-ruler
//     compares UTF-16 units. The two differ only for paths with characters
//     above U+FFFF next to ones in U+E000..U+FFFF, and only where the order
//     matters (exists:false inside arrays).
//   - IP canonicalisation applies to exact values and anything-but values;
//     prefix, suffix, wildcard and equals-ignore-case see the raw text.
//   - The wildcard complexity limit approximates event-ruler's: a wildcard
//     is rejected when more than 10 positions of its automaton can be live
//     at once (AWS rejects "*:*:*:*:*:event-bus/*", which scores 13).
//   - $or combinations are counted as the product of all branch counts.
//
// Pattern.Match uses the same machinery with a Matcher of one pattern, after
// validating the whole event. The package tests compare both against a
// deliberately simple reference evaluator (in the test files) that parses the
// whole event into a tree and tries every conjunction by brute force.
package pattern
