package progressbot

// Distance is the optimal string alignment distance between a and b on runes —
// insertions, deletions, substitutions and swaps of two neighbours (the commonest typo)
// each cost one — or limit+1 as soon as it is sure to exceed limit. It is the one
// distance for every place a typed name is matched: the resolver, the command line and
// the seed loader.
func Distance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	const small = 64
	var buf [3 * (small + 1)]int
	var prev2, prev, cur []int
	if n := len(b) + 1; n <= small+1 {
		prev2, prev, cur = buf[:n], buf[n:2*n], buf[2*n:3*n]
	} else {
		prev2, prev, cur = make([]int, n), make([]int, n), make([]int, n)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			low = min(low, d)
		}
		// No later row can come back under a row's least value (a swap reaches back two
		// rows, but the row between is no greater than the swap's cost).
		if low > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
