//go:build !race

package main

// raceAllocNoise: without the race detector, the mean allocations of the
// same calls agree within 0.1.
const raceAllocNoise = 0
