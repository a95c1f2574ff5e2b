package playbooks

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

var withinRE = regexp.MustCompile(`^(\d+)\s*(h|hours?|d|days?|calendar\s+days?|business\s+days?|working\s+days?|months?)$`)

// parseWithin parses a deadline's "within": "72h", "72 hours", "30 days",
// "30 calendar days", "4 business days", "1 month" or "none". Plain days are
// calendar days.
func parseWithin(s string) (amount int, unit string, ok bool) {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if s == "none" {
		return 0, incidents.UnitNone, true
	}
	m := withinRE.FindStringSubmatch(s)
	if m == nil {
		return 0, "", false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return 0, "", false
	}
	switch word := m[2]; {
	case word == "h" || strings.HasPrefix(word, "hour"):
		unit = incidents.UnitHours
	case strings.HasPrefix(word, "business") || strings.HasPrefix(word, "working"):
		unit = incidents.UnitBusinessDays
	case strings.HasPrefix(word, "month"):
		unit = incidents.UnitMonths
	default:
		unit = incidents.UnitCalendarDays
	}
	return n, unit, true
}

// deadlineProblems checks a deadline's amount, calendar and time zone with
// incidents.Deadline.Validate, one field at a time so that each problem can
// be reported at the key it is about. The start and anchor are checked by the
// decoder, which can suggest what was meant.
func deadlineProblems(dl incidents.Deadline) (within, calendar, zone string) {
	msg := func(d incidents.Deadline) string {
		d.Start = "awareness"
		if err := d.Validate(); err != nil {
			return incidents.ErrorMessage(err)
		}
		return ""
	}
	return msg(incidents.Deadline{Amount: dl.Amount, Unit: dl.Unit}),
		msg(incidents.Deadline{Calendar: dl.Calendar}),
		msg(incidents.Deadline{TimeZone: dl.TimeZone})
}

var durationRE = regexp.MustCompile(`^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?$`)

// parseDuration parses a positive duration written as days, hours and minutes:
// "24h", "90m", "2d", "1h30m".
func parseDuration(s string) (time.Duration, bool) {
	m := durationRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return 0, false
		}
		d += time.Duration(n) * unit
	}
	return d, d > 0
}

// minutesRE is the one unit a reminder has that a deadline does not.
var minutesRE = regexp.MustCompile(`^(\d{1,6})\s*(?:m|mins?|minutes?)$`)

// parseReminder parses "50%" (a fraction of the window elapsed) or a time
// before the due time, in the words a deadline's within takes ("24 hours",
// "2 days", "72h") or compactly ("90m", "1h30m", "2d"). If it fails, why says
// what to write instead.
func parseReminder(s string) (spec incidents.ReminderSpec, why string) {
	const usage = "write a share of the time allowed (50%) or a time before the due time (24h, 24 hours, 2 days, 90m)"
	s = strings.TrimSpace(s)
	if num, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(f) || f <= 0 || f >= 100 {
			return spec, usage
		}
		return incidents.ReminderSpec{Fraction: f / 100}, ""
	}
	if d, ok := parseDuration(s); ok {
		return incidents.ReminderSpec{Before: d}, ""
	}
	norm := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if m := minutesRE.FindStringSubmatch(norm); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return incidents.ReminderSpec{Before: time.Duration(n) * time.Minute}, ""
		}
		return spec, usage
	}
	amount, unit, ok := parseWithin(norm)
	switch {
	case !ok || unit == incidents.UnitNone:
		return spec, usage
	case unit == incidents.UnitBusinessDays || unit == incidents.UnitMonths:
		return spec, fmt.Sprintf("a reminder is a fixed time before the due time, and %s vary in length; use hours or days (72h, 3 days) or a share (50%%)", strings.ReplaceAll(unit, "_", " "))
	case amount > 1_000_000:
		return spec, usage
	case unit == incidents.UnitHours:
		return incidents.ReminderSpec{Before: time.Duration(amount) * time.Hour}, ""
	}
	return incidents.ReminderSpec{Before: time.Duration(amount) * 24 * time.Hour}, ""
}
