package incidents

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHolidaysIgnoreTheMachineZone runs itself in a process whose local
// zone is America/Santiago, where the clocks jump from 00:00 to 01:00 on
// the first Sunday of September: Brazil's Independence Day (7 September)
// must stay on the 7th, not slip to the 6th, whatever zone the machine
// runs in and without the binary's main setting anything.
func TestHolidaysIgnoreTheMachineZone(t *testing.T) {
	if os.Getenv("BREACHBOT_HOLIDAY_ZONE_CHILD") == "1" {
		bc, err := holidayCalendar("BR")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			day  int
			want bool
		}{{6, false}, {7, true}} {
			act, _, _ := bc.IsHoliday(time.Date(2025, time.September, tc.day, 12, 0, 0, 0, time.UTC))
			if act != tc.want {
				t.Errorf("2025-09-%02d a holiday in BR: %v, want %v (machine zone %s)", tc.day, act, tc.want, time.Local)
			}
		}
		return
	}
	if _, err := time.LoadLocation("America/Santiago"); err != nil {
		t.Skip("no zone data for America/Santiago")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHolidaysIgnoreTheMachineZone$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TZ=America/Santiago", "BREACHBOT_HOLIDAY_ZONE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("in zone America/Santiago: %v\n%s", err, out)
	}
}
