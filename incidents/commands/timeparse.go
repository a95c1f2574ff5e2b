package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04:05 MST",
	"2006-01-02T15:04 MST",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04 MST",
}

var zonelessLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
}

// ParseTime parses a time as a responder types it: RFC 3339
// (2026-11-27T09:00:00Z, 2026-11-27T09:00+01:00), "2026-11-27 09:00 UTC",
// "now", or "90m ago" / "2h ago" / "3d ago" / "2 hours ago". A time without a
// zone is read in zone; with zone nil it is refused, because a legal clock
// must not depend on whose laptop typed it.
//
// Times before 2000 (the zero time "0001-01-01" among them) and spans in
// "ago" too long to compute are refused with what to type: they are typos,
// and a legal clock must never silently start "now" or years off instead.
func ParseTime(s string, now time.Time, zone *time.Location) (time.Time, error) {
	t, err := parseTime(s, now, zone)
	if err != nil {
		return time.Time{}, err
	}
	if t.Before(earliestTime) {
		return time.Time{}, incidents.Errorf(incidents.EINVALID, "%q is before the year 2000; that is not a time of this incident", strings.TrimSpace(s)).
			WithHint("check the year: %s, or now, or 2h ago", now.UTC().Add(-2*time.Hour).Format("2006-01-02T15:04Z"))
	}
	return t, nil
}

// earliestTime is the earliest time ParseTime accepts.
var earliestTime = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

func parseTime(s string, now time.Time, zone *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	if low == "now" {
		return now, nil
	}
	for _, suffix := range []string{" ago", "ago"} {
		rest, ok := strings.CutSuffix(low, suffix)
		if !ok {
			continue
		}
		d, ok, err := parseAgo(strings.TrimSpace(rest))
		if err != nil {
			return time.Time{}, incidents.Errorf(incidents.EINVALID, "%q is not a usable time: %w", s, err).
				WithHint("give a time instead, e.g. 2026-11-27T09:00Z, or a shorter span such as 3d ago")
		}
		if ok {
			return now.Add(-d), nil
		}
	}
	norm := s
	if strings.HasSuffix(strings.ToUpper(norm), " UTC") || strings.HasSuffix(strings.ToUpper(norm), " GMT") {
		norm = norm[:len(norm)-4] + "Z"
		norm = strings.Replace(norm, " ", "T", 1)
	}
	if len(norm) > 10 && norm[10] == ' ' {
		norm = norm[:10] + "T" + norm[11:]
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, norm); err == nil {
			return t, nil
		}
	}
	for _, l := range zonelessLayouts {
		if _, err := time.Parse(l, norm); err == nil {
			if zone == nil {
				return time.Time{}, incidents.Errorf(incidents.EINVALID, "%q has no time zone", s).
					WithHint("add one: %sZ for UTC, or an offset like %s+01:00", norm, norm)
			}
			return time.ParseInLocation(l, norm, zone)
		}
	}
	if _, err := time.Parse("2006-01-02", s); err == nil {
		return time.Time{}, incidents.Errorf(incidents.EINVALID, "%q is a date without a time", s).
			WithHint("legal clocks start at a time: %sT09:00Z", s)
	}
	return time.Time{}, incidents.Errorf(incidents.EINVALID, "%q is not a time I can read", s).
		WithHint("use 2026-11-27T09:00Z, 2026-11-27T09:00+01:00, \"2026-11-27 09:00 UTC\", now, or 2h ago")
}

// maxAgo is the longest span "ago" accepted: anything longer would be before
// 2000 anyway, and a time.Duration overflows at about 292 years.
const maxAgo = 100 * 366 * 24 * time.Hour

// parseAgo reads "90m", "2h", "3d", "2 hours", "1 day", "45 minutes". ok is
// false when s is not a span; err is set for a span too long to be a time of
// an incident (which would otherwise overflow).
func parseAgo(s string) (d time.Duration, ok bool, err error) {
	s = strings.ReplaceAll(s, " ", "")
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	unit := map[string]time.Duration{
		"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	}[s[i:]]
	if unit == 0 {
		return 0, false, nil
	}
	if err != nil || n > int64(maxAgo/unit) {
		return 0, false, fmt.Errorf("%s is more than 100 years", s)
	}
	return time.Duration(n) * unit, true, nil
}
