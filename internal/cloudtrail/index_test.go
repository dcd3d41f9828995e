package cloudtrail

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/ctgen"
)

// dense returns n random bytes of alphabet: with few letters, needles and
// their false starts are everywhere.
func dense(r *rand.Rand, n int, alphabet string) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

// TestPairIndex checks pairIndex (in assembly on amd64) against pairIndexGo
// at every distance the needles of indexPairs give, near block edges too.
func TestPairIndex(t *testing.T) {
	if !havePairIndex {
		t.Skip("pairIndex is pairIndexGo on this platform (or with -tags purego)")
	}
	r := rand.New(rand.NewPCG(1, 14))
	for range 20000 {
		n := r.IntN(200)
		b := dense(r, n, "abcdefgh")
		k := 1 + r.IntN(6)
		if n < k+pairBlock {
			continue
		}
		blocks := 1 + r.IntN((n-k)/pairBlock)
		c0, c1 := "abcdefgh"[r.IntN(8)], "abcdefgh"[r.IntN(8)]
		if got, want := pairIndex(b, blocks, c0, c1, k), pairIndexGo(b, blocks, c0, c1, k); got != want {
			t.Fatalf("pairIndex(%q, %d, %q, %q, %d) = %d, want %d", b, blocks, c0, c1, k, got, want)
		}
	}
	// A match at each position of two blocks, and none.
	for p := range 2 * pairBlock {
		b := bytes.Repeat([]byte{'.'}, 2*pairBlock+3)
		b[p], b[p+3] = 'R', 't'
		if got := pairIndex(b, 2, 'R', 't', 3); got != p {
			t.Errorf("R..t at %d: pairIndex = %d", p, got)
		}
		b[p+3] = '.'
		if got := pairIndex(b, 2, 'R', 't', 3); got != -1 {
			t.Errorf("R alone at %d: pairIndex = %d, want -1", p, got)
		}
	}
}

// TestIndexNeedle checks IndexNeedle and indexPairs against bytes.Index on
// inputs dense with false starts (so that IndexNeedle changes to the pair
// filter), at every length around the block size.
func TestIndexNeedle(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 14))
	needles := []string{`Root"`, `\u`, `Ro`, `Roo`, `R"`, `RRR`, `Root"Root"`, `R`}
	for n := range 3000 {
		for _, alphabet := range []string{`Rot"`, `Root"\uRRoott"`, `Rx`} {
			b := dense(r, n%300+n/300*97, alphabet)
			for _, needle := range needles {
				want := bytes.Index(b, []byte(needle))
				if got := IndexNeedle(b, []byte(needle)); got != want {
					t.Fatalf("IndexNeedle(%q, %q) = %d, want %d", b, needle, got, want)
				}
				if len(needle) < 2 {
					continue
				}
				if got := indexPairs(b, []byte(needle)); got != want {
					t.Fatalf("indexPairs(%q, %q) = %d, want %d", b, needle, got, want)
				}
			}
		}
	}
}

// FuzzIndexPairs checks indexPairs against bytes.Index.
func FuzzIndexPairs(f *testing.F) {
	f.Add(bytes.Repeat([]byte(`RooR"`), 20), []byte(`Root"`))
	f.Add(append(bytes.Repeat([]byte(`R..t`), 16), `Root"`...), []byte(`Root"`))
	f.Add([]byte(`a\u0052`), []byte(`\u`))
	f.Fuzz(func(t *testing.T, b, needle []byte) {
		if len(needle) < 2 {
			return
		}
		if got, want := indexPairs(b, needle), bytes.Index(b, needle); got != want {
			t.Fatalf("indexPairs(%q, %q) = %d, want %d", b, needle, got, want)
		}
	})
}

// BenchmarkIndexNeedle searches generated CloudTrail (in the cache, 32 KiB at
// a time, as candidate mode does) for the scan's needles.
func BenchmarkIndexNeedle(b *testing.B) {
	g := ctgen.New(1, 1)
	var data []byte
	for len(data) < 2<<20 {
		data = append(data, g.Background(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "111111111111", "eu-west-1")...)
	}
	for _, needle := range []string{`Root"`, `\u`} {
		for _, s := range []struct {
			name string
			f    func(b, needle []byte) int
		}{
			{"IndexNeedle", IndexNeedle},
			{"bytes.Index", bytes.Index},
		} {
			b.Run(fmt.Sprintf("%s/%s", needle, s.name), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for range b.N {
					for off := 0; off < len(data); off += 32 << 10 {
						p := data[off:min(off+32<<10, len(data))]
						for {
							i := s.f(p, []byte(needle))
							if i < 0 {
								break
							}
							p = p[i+1:]
						}
					}
				}
			})
		}
	}
}
