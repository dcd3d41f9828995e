//go:build !purego

package cloudtrail

// havePairIndex says whether pairIndex is faster than stopping at each false
// start: here it compares 16 bytes an instruction (SSE2, which every amd64
// processor has). Build with -tags purego for the Go version only.
const havePairIndex = true

// pairIndex returns the first position p < blocks*pairBlock at which
// b[p] == c0 and b[p+k] == c1, or -1. It reads b[:blocks*pairBlock+k]: the
// caller makes sure that is within b. In index_amd64.s.
//
//go:noescape
func pairIndex(b []byte, blocks int, c0, c1 byte, k int) int
