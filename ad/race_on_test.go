//go:build race

package ad

// raceEnabled reports a -race build, where sync.Pool drops objects at
// random (tests that look into the pool skip then).
const raceEnabled = true
