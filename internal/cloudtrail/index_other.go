//go:build !amd64 || purego

package cloudtrail

// havePairIndex says whether pairIndex is faster than stopping at each false
// start: in Go, a position at a time, it is not.
const havePairIndex = false

func pairIndex(b []byte, blocks int, c0, c1 byte, k int) int {
	return pairIndexGo(b, blocks, c0, c1, k)
}
