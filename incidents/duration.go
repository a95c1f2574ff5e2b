package incidents

import (
	"fmt"
	"strings"
	"time"
)

// FormatDuration renders d compactly as it is written in playbooks: "24h",
// "30m", "1h30m", "48h".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0m"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	hours := d / time.Hour
	d -= hours * time.Hour
	mins := d / time.Minute
	if hours > 0 {
		fmt.Fprintf(&b, "%dh", hours)
	}
	if mins > 0 {
		fmt.Fprintf(&b, "%dm", mins)
	}
	if b.Len() == 0 || (b.Len() == 1 && b.String() == "-") {
		fmt.Fprintf(&b, "%ds", d/time.Second)
	}
	return b.String()
}

// HumanDuration renders d for people reading a deadline board, to the minute:
// "5 h 12 m", "2 d 3 h", "45 m", "under a minute". Negative durations are
// rendered by their magnitude; callers say "ago" or "missed by".
func HumanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	if d < time.Minute {
		return "under a minute"
	}
	days := int(d / (24 * time.Hour))
	hours := int(d/time.Hour) % 24
	mins := int(d/time.Minute) % 60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case days > 0:
		return fmt.Sprintf("%d d", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%d h %d m", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%d h", hours)
	}
	return fmt.Sprintf("%d m", mins)
}
