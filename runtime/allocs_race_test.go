//go:build race

package runtime

// raceExtraAllocs is the slack allocation ceilings allow under the race
// detector, which empties sync.Pools at random.
const raceExtraAllocs = 30
