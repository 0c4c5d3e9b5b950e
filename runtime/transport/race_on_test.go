//go:build race

package transport_test

// raceAllocs is what the race detector adds to an HTTP call's allocations.
const raceAllocs = 20
