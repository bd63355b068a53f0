//go:build race

package schedule_test

// raceEnabled: the race detector slows every send several times over, so timing
// assertions are relaxed under it.
const raceEnabled = true
