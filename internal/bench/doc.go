// Package bench holds load benchmarks that measure breachbot's speed targets
// on real bbolt files: scheduler start-up and lateness, a command's round
// trip, importing affected people and sending notices. It has no code of its own: everything is in its _test files, and
// they run only with -bench:
//
//	go test -run='^$' -bench=. -benchtime=1x ./internal/bench/
package bench
