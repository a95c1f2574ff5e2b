package main

import (
	"os"
	"testing"
)

// TestReadsItsOwnProcess: the CPU time and memory read from /proc are
// this test's own, in sensible ranges, the way timersload reads serve's.
func TestReadsItsOwnProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	spin := 0
	for i := range 50_000_000 {
		spin += i % 7
	}
	cpu, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if cpu <= 0 {
		t.Errorf("CPU time %s after spinning (%d), want more than 0", cpu, spin)
	}
	m, err := status(os.Getpid(), "/nonexistent.db")
	if err != nil {
		t.Fatal(err)
	}
	if m.rss <= 0 || m.anon <= 0 || m.file <= 0 || m.anon+m.file > m.rss+4 || m.db != 0 {
		t.Errorf("memory %+v: want RSS = anonymous + file (KiB), nothing of a file not mapped", m)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{7: "7", 1000: "1,000", 10000: "10,000", 1000000: "1,000,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
