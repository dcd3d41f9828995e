package cloudtrail

import "bytes"

// The search is the largest part of what candidate mode adds to
// decompression, so this file is tuned for the needles the scan gives it
// (Root" and \u) in CloudTrail's JSON; any needle gets bytes.Index's answer.

// IndexNeedle returns the index of the first instance of needle in b, or -1,
// as bytes.Index does: candidate mode's search (SetCandidates), exported for
// the scan's benchmarks.
//
// It stops at each instance of the needle's first byte (bytes.IndexByte, at
// memory speed between them) and compares the rest. That is the fastest
// search while the first byte is rare, as \ is in CloudTrail (one in 2,000
// bytes). R is not (one in 170–240 bytes: ARNs, key and request IDs,
// "AssumedRole"), and then the stops cost more than the search: once there
// have been more false starts than falseStarts allows, the rest of b is
// searched with the pair filter (indexPairs) where the platform has one.
func IndexNeedle(b, needle []byte) int {
	if len(needle) < 2 {
		return bytes.Index(b, needle)
	}
	c0, c1 := needle[0], needle[1]
	fails := 0
	for i := 0; len(b)-i >= len(needle); i++ {
		if havePairIndex && fails > falseStarts(i) {
			if j := indexPairs(b[i:], needle); j >= 0 {
				return i + j
			}
			return -1
		}
		j := bytes.IndexByte(b[i:len(b)-len(needle)+1], c0)
		if j < 0 {
			return -1
		}
		i += j
		if b[i+1] == c1 && bytes.Equal(b[i+2:i+len(needle)], needle[2:]) {
			return i
		}
		fails++
	}
	return -1
}

// falseStarts is how many false starts IndexNeedle accepts in its first n
// bytes before it changes to the pair filter: a few, then one a KiB.
func falseStarts(n int) int { return 4 + n>>10 }

// pairBlock is how many positions pairIndex checks at a time.
const pairBlock = 32

// indexPairs is bytes.Index for a needle of two bytes or more. It looks for
// two of the needle's bytes at once, at every position (pairIndex: 32
// positions an instruction sequence, with no branch per position), and
// compares the whole needle only where both are: the first byte, and the last
// but one when the last is a quote (the commonest byte in JSON), else the
// last. For Root" that is R..t: one position in 13,000 of the real CloudTrail
// of testdata/sample-archive (R is one in 210 there).
func indexPairs(b, needle []byte) int {
	n := len(needle)
	k := n - 1
	if k > 1 && needle[k] == '"' {
		k--
	}
	c0, c1 := needle[0], needle[k]
	i := 0
	for {
		// The blocks of positions at which the whole needle fits in b: the
		// bytes pairIndex reads (from p and from p+k, a block's worth each)
		// are then in b too, as k < n.
		blocks := (len(b) - i - n + 1) / pairBlock
		if blocks <= 0 {
			break
		}
		j := pairIndex(b[i:], blocks, c0, c1, k)
		if j < 0 {
			i += blocks * pairBlock
			break
		}
		if bytes.Equal(b[i+j:i+j+n], needle) {
			return i + j
		}
		i += j + 1
	}
	// Fewer positions than a block are left.
	if j := bytes.Index(b[i:], needle); j >= 0 {
		return i + j
	}
	return -1
}

// pairIndexGo is pairIndex in Go, for the platforms without an assembly
// version and as the tests' reference.
func pairIndexGo(b []byte, blocks int, c0, c1 byte, k int) int {
	for p := range blocks * pairBlock {
		if b[p] == c0 && b[p+k] == c1 {
			return p
		}
	}
	return -1
}
