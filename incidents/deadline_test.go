package incidents_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

// deadlineLayout shows everything a due time is judged by: date, wall clock,
// weekday and zone.
const deadlineLayout = "2006-01-02 15:04:05 Mon MST (-07:00)"

func loadTestZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load time zone: %v", err)
	}
	return loc
}

// endOf is the end of a date in loc as statutes count it: 24:00, the first
// instant of the next date.
func endOf(year int, month time.Month, day int, loc *time.Location) time.Time {
	return time.Date(year, month, day+1, 0, 0, 0, 0, loc)
}

func TestDeadlineDue(t *testing.T) {
	t.Parallel()
	var (
		singapore = loadTestZone(t, "Asia/Singapore")
		santiago  = loadTestZone(t, "America/Santiago")
		berlin    = loadTestZone(t, "Europe/Berlin")
		london    = loadTestZone(t, "Europe/London")
		la        = loadTestZone(t, "America/Los_Angeles")
		ny        = loadTestZone(t, "America/New_York")
		saoPaulo  = loadTestZone(t, "America/Sao_Paulo")
	)
	gdpr := incidents.Deadline{Start: "awareness", Amount: 72, Unit: incidents.UnitHours, TimeZone: "Europe/Berlin"}
	sec := incidents.Deadline{Start: "materiality", Amount: 4, Unit: incidents.UnitBusinessDays, Calendar: "US", TimeZone: "America/New_York"}
	lgpd := incidents.Deadline{Start: "awareness", Amount: 3, Unit: incidents.UnitBusinessDays, Calendar: "BR", TimeZone: "America/Sao_Paulo"}
	days := func(n int, zone string) incidents.Deadline {
		return incidents.Deadline{Start: "awareness", Amount: n, Unit: incidents.UnitCalendarDays, TimeZone: zone}
	}
	months := func(n int) incidents.Deadline {
		return incidents.Deadline{Start: "awareness", Amount: n, Unit: incidents.UnitMonths, TimeZone: "Europe/Berlin"}
	}
	hipaaAnnual := incidents.Deadline{Start: "discovery", Amount: 60, Unit: incidents.UnitCalendarDays, TimeZone: "America/New_York", Anchor: incidents.AnchorEndOfYear}
	businessDays := func(n int, calendar, zone string) incidents.Deadline {
		return incidents.Deadline{Start: "awareness", Amount: n, Unit: incidents.UnitBusinessDays, Calendar: calendar, TimeZone: zone}
	}

	tests := []struct {
		name  string
		d     incidents.Deadline
		start time.Time
		want  time.Time
		// elapsed, when set, is the exact time from start to due.
		elapsed time.Duration
	}{
		{
			name:    "GDPR 72 hours across a weekend",
			d:       gdpr,
			start:   time.Date(2026, 6, 5, 16, 30, 0, 0, berlin), // Friday
			want:    time.Date(2026, 6, 8, 16, 30, 0, 0, berlin),
			elapsed: 72 * time.Hour,
		},
		{
			name:    "GDPR 72 hours across the end of summer time: elapsed hours exact, wall clock an hour earlier",
			d:       gdpr,
			start:   time.Date(2026, 10, 23, 12, 0, 0, 0, berlin), // CEST; clocks go back on 25 October
			want:    time.Date(2026, 10, 26, 11, 0, 0, 0, berlin), // CET
			elapsed: 72 * time.Hour,
		},
		{
			name:  "hours: a start in UTC comes back in the deadline's zone",
			d:     gdpr,
			start: time.Date(2026, 10, 23, 10, 0, 0, 0, time.UTC),
			want:  time.Date(2026, 10, 26, 11, 0, 0, 0, berlin),
		},
		{
			name:  "calendar days across the start of US daylight time end at midnight",
			d:     days(10, "America/Los_Angeles"),
			start: time.Date(2026, 3, 1, 9, 0, 0, 0, la), // PST; clocks go forward on 8 March
			want:  endOf(2026, 3, 11, la),                // PDT
		},
		{
			name:  "calendar days across the end of US daylight time end at midnight",
			d:     days(10, "America/Los_Angeles"),
			start: time.Date(2026, 10, 25, 9, 0, 0, 0, la), // PDT; clocks go back on 1 November
			want:  endOf(2026, 11, 4, la),                  // PST
		},
		{
			name:  "Singapore PDPA s. 26D(1): 3 calendar days from Saturday 10:00 end at the end of Tuesday, 16:00 UTC",
			d:     days(3, "Asia/Singapore"),
			start: time.Date(2026, 11, 21, 10, 0, 0, 0, singapore),
			want:  time.Date(2026, 11, 24, 24, 0, 0, 0, singapore),
		},
		{
			name:  "a start late in the day in UTC counts from the date in the law's zone",
			d:     days(3, "Asia/Singapore"),
			start: time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC), // Sunday 22 November, 04:00 in Singapore
			want:  endOf(2026, 11, 25, singapore),
		},
		{
			name:  "a day whose midnight does not exist ends at the first instant of the next date",
			d:     days(1, "America/Santiago"),
			start: time.Date(2026, 9, 4, 10, 0, 0, 0, santiago), // clocks go from 00:00 to 01:00 on Sunday 6 September 2026
			want:  time.Date(2026, 9, 6, 1, 0, 0, 0, santiago),
		},
		{
			name:  "California 30 calendar days",
			d:     days(30, "America/Los_Angeles"),
			start: time.Date(2026, 1, 15, 14, 0, 0, 0, la),
			want:  endOf(2026, 2, 14, la),
		},
		{
			name:  "HIPAA 60 calendar days crossing the year end",
			d:     days(60, "America/New_York"),
			start: time.Date(2026, 11, 20, 10, 0, 0, 0, ny),
			want:  endOf(2027, 1, 19, ny),
		},
		{
			name:  "HIPAA annual report: 60 days from 1 January after the year of discovery, the end of 1 March",
			d:     hipaaAnnual,
			start: time.Date(2026, 3, 10, 15, 0, 0, 0, ny),
			want:  time.Date(2027, 3, 2, 0, 0, 0, 0, ny),
		},
		{
			name:  "HIPAA annual report due in a leap year: the end of 29 February",
			d:     hipaaAnnual,
			start: time.Date(2027, 6, 1, 9, 0, 0, 0, ny),
			want:  time.Date(2028, 3, 1, 0, 0, 0, 0, ny),
		},
		{
			name:  "end of calendar year is the year in the deadline's zone, not UTC's",
			d:     hipaaAnnual,
			start: time.Date(2027, 1, 1, 4, 30, 0, 0, time.UTC), // 31 December 2026, 23:30 in New York
			want:  time.Date(2027, 3, 2, 0, 0, 0, 0, ny),
		},
		{
			name:  "one month from mid-January",
			d:     months(1),
			start: time.Date(2026, 1, 15, 10, 0, 0, 0, berlin),
			want:  endOf(2026, 2, 15, berlin),
		},
		{
			name:  "one month from 31 January clamps to 28 February",
			d:     months(1),
			start: time.Date(2027, 1, 31, 10, 0, 0, 0, berlin),
			want:  endOf(2027, 2, 28, berlin),
		},
		{
			name:  "one month from 31 January clamps to 29 February in a leap year",
			d:     months(1),
			start: time.Date(2028, 1, 31, 10, 0, 0, 0, berlin),
			want:  endOf(2028, 2, 29, berlin),
		},
		{
			name:  "one month from 31 March clamps to 30 April and keeps the wall clock across summer time",
			d:     months(1),
			start: time.Date(2026, 3, 31, 10, 0, 0, 0, berlin),
			want:  endOf(2026, 4, 30, berlin),
		},
		{
			name:  "twelve months from 29 February",
			d:     months(12),
			start: time.Date(2028, 2, 29, 10, 0, 0, 0, berlin),
			want:  endOf(2029, 2, 28, berlin),
		},
		{
			name:  "months without a zone are counted in UTC",
			d:     incidents.Deadline{Start: "awareness", Amount: 3, Unit: incidents.UnitMonths},
			start: time.Date(2026, 11, 30, 23, 0, 0, 0, berlin), // 22:00 UTC
			want:  endOf(2027, 2, 28, time.UTC),
		},
		{
			name:  "SEC 4 business days from a Monday",
			d:     sec,
			start: time.Date(2026, 6, 1, 10, 0, 0, 0, ny),
			want:  endOf(2026, 6, 5, ny), // Friday
		},
		{
			name:  "SEC 4 business days from a Friday cross the weekend",
			d:     sec,
			start: time.Date(2026, 6, 5, 16, 0, 0, 0, ny),
			want:  endOf(2026, 6, 11, ny), // Thursday
		},
		{
			name:  "SEC 4 business days from a Saturday",
			d:     sec,
			start: time.Date(2026, 6, 6, 10, 0, 0, 0, ny),
			want:  endOf(2026, 6, 11, ny), // Thursday
		},
		{
			name:  "business days count dates in the deadline's zone, not UTC's",
			d:     sec,
			start: time.Date(2026, 6, 2, 2, 0, 0, 0, time.UTC), // Monday 1 June, 22:00 in New York
			want:  endOf(2026, 6, 5, ny),
		},
		{
			name:  "SEC across Thanksgiving: the day after is a business day",
			d:     sec,
			start: time.Date(2026, 11, 23, 10, 0, 0, 0, ny), // Monday; Thanksgiving is Thursday 26
			want:  endOf(2026, 11, 30, ny),                  // Tue, Wed, Fri, Mon
		},
		{
			name:  "SEC across Christmas",
			d:     sec,
			start: time.Date(2026, 12, 23, 17, 0, 0, 0, ny),
			want:  endOf(2026, 12, 30, ny), // Thu 24, Mon 28, Tue 29, Wed 30
		},
		{
			name:  "SEC across New Year",
			d:     sec,
			start: time.Date(2026, 12, 28, 9, 0, 0, 0, ny),
			want:  endOf(2027, 1, 4, ny), // Tue 29, Wed 30, Thu 31, Mon 4
		},
		{
			name:  "SEC: Christmas on a Saturday is observed on Friday 24 December",
			d:     sec,
			start: time.Date(2027, 12, 22, 9, 0, 0, 0, ny),
			want:  endOf(2027, 12, 29, ny), // Thu 23, Mon 27, Tue 28, Wed 29
		},
		{
			name:  "SEC: New Year's Day on a Saturday is observed on Friday 31 December of the year before",
			d:     sec,
			start: time.Date(2027, 12, 28, 9, 0, 0, 0, ny),
			want:  endOf(2028, 1, 4, ny), // Wed 29, Thu 30, Mon 3, Tue 4
		},
		{
			name:  "SEC: 4 July on a Saturday is observed on Friday 3 July",
			d:     sec,
			start: time.Date(2026, 7, 1, 10, 0, 0, 0, ny),
			want:  endOf(2026, 7, 8, ny), // Thu 2, Mon 6, Tue 7, Wed 8
		},
		{
			name:  "SEC: 4 July on a Sunday is observed on Monday 5 July",
			d:     sec,
			start: time.Date(2027, 7, 1, 10, 0, 0, 0, ny),
			want:  endOf(2027, 7, 8, ny), // Fri 2, Tue 6, Wed 7, Thu 8
		},
		{
			name:  "LGPD 3 business days across Carnival Tuesday (Monday is a working day)",
			d:     lgpd,
			start: time.Date(2027, 2, 5, 9, 0, 0, 0, saoPaulo),
			want:  endOf(2027, 2, 11, saoPaulo), // Mon 8, Wed 10, Thu 11
		},
		{
			name:  "LGPD 3 business days across Good Friday",
			d:     lgpd,
			start: time.Date(2027, 3, 24, 9, 0, 0, 0, saoPaulo),
			want:  endOf(2027, 3, 30, saoPaulo), // Thu 25, Mon 29, Tue 30
		},
		{
			name:  "LGPD 3 business days across Tiradentes",
			d:     lgpd,
			start: time.Date(2027, 4, 19, 9, 0, 0, 0, saoPaulo),
			want:  endOf(2027, 4, 23, saoPaulo), // Tue 20, Thu 22, Fri 23
		},
		{
			name:  "GB is England and Wales: Scotland's summer bank holiday is a business day",
			d:     businessDays(2, "GB", "Europe/London"),
			start: time.Date(2026, 7, 31, 10, 0, 0, 0, london),
			want:  endOf(2026, 8, 4, london), // Mon 3, Tue 4
		},
		{
			name:  "GB: the English summer bank holiday is not a business day",
			d:     businessDays(2, "GB", "Europe/London"),
			start: time.Date(2026, 8, 28, 10, 0, 0, 0, london),
			want:  endOf(2026, 9, 2, london), // Tue 1, Wed 2
		},
		{
			name:  "GB: Boxing Day on a Saturday is observed on Monday 28 December",
			d:     businessDays(2, "GB", "Europe/London"),
			start: time.Date(2026, 12, 24, 10, 0, 0, 0, london),
			want:  endOf(2026, 12, 30, london), // Tue 29, Wed 30
		},
		{
			name:  "DE: Good Friday and Easter Monday are not business days",
			d:     businessDays(2, "DE", "Europe/Berlin"),
			start: time.Date(2026, 4, 2, 10, 0, 0, 0, berlin),
			want:  endOf(2026, 4, 8, berlin), // Tue 7, Wed 8
		},
		{
			name:  "no calendar counts weekends only",
			d:     businessDays(1, "", ""),
			start: time.Date(2026, 12, 24, 10, 0, 0, 0, time.UTC),
			want:  endOf(2026, 12, 25, time.UTC),
		},
		{
			name:  "no fixed deadline",
			d:     incidents.Deadline{Start: "awareness", Text: "without undue delay"},
			start: time.Date(2026, 6, 1, 10, 0, 0, 0, berlin),
			want:  time.Time{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.d.Due(tt.start)
			if err != nil {
				t.Fatalf("Due(%s): %v", tt.start.Format(deadlineLayout), err)
			}
			if diff := cmp.Diff(tt.want.Format(deadlineLayout), got.Format(deadlineLayout)); diff != "" {
				t.Errorf("Due(%s) mismatch (-want +got):\n%s", tt.start.Format(deadlineLayout), diff)
			}
			if !tt.want.IsZero() {
				if want, got := zoneName(tt.d.TimeZone), got.Location().String(); got != want {
					t.Errorf("Due returned a time in %s, want %s", got, want)
				}
			}
			if tt.elapsed != 0 {
				if diff := cmp.Diff(tt.elapsed, got.Sub(tt.start)); diff != "" {
					t.Errorf("elapsed time mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func zoneName(tz string) string {
	if tz == "" {
		return "UTC"
	}
	return tz
}

func TestDeadlineDueErrors(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		d        incidents.Deadline
		start    time.Time
		wantCode string
	}{
		{
			name:     "invalid deadline",
			d:        incidents.Deadline{Start: "awareness", Amount: 4, Unit: incidents.UnitBusinessDays, Calendar: "XX"},
			start:    start,
			wantCode: incidents.EINVALID,
		},
		{
			name:     "invalid deadline without a fixed time",
			d:        incidents.Deadline{Start: "awareness", Amount: 4},
			start:    start,
			wantCode: incidents.EINVALID,
		},
		{
			name:     "zero start is a bug of the caller",
			d:        incidents.Deadline{Start: "awareness", Amount: 72, Unit: incidents.UnitHours},
			start:    time.Time{},
			wantCode: incidents.EINTERNAL,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.d.Due(tt.start)
			if diff := cmp.Diff(tt.wantCode, incidents.ErrorCode(err)); diff != "" {
				t.Errorf("error code mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !got.IsZero() {
				t.Errorf("Due returned %v with an error, want the zero time", got)
			}
		})
	}
}

func TestDeadlineValidate(t *testing.T) {
	t.Parallel()
	invalid := func(msg string) *incidents.Error {
		return &incidents.Error{Code: incidents.EINVALID, Message: msg}
	}
	tests := []struct {
		name string
		d    incidents.Deadline
		want *incidents.Error // nil for a valid deadline
	}{
		{
			name: "hours",
			d:    incidents.Deadline{Start: "awareness", Amount: 72, Unit: incidents.UnitHours, TimeZone: "Europe/Berlin"},
		},
		{
			name: "business days with a calendar",
			d:    incidents.Deadline{Start: "materiality", Amount: 4, Unit: incidents.UnitBusinessDays, Calendar: "US", TimeZone: "America/New_York"},
		},
		{
			name: "business days with weekends only, in UTC",
			d:    incidents.Deadline{Start: "awareness", Amount: 3, Unit: incidents.UnitBusinessDays},
		},
		{
			name: "anchored calendar days",
			d:    incidents.Deadline{Start: "discovery", Amount: 60, Unit: incidents.UnitCalendarDays, Anchor: incidents.AnchorEndOfYear},
		},
		{
			name: "months",
			d:    incidents.Deadline{Start: "met:notify-dpa", Amount: 1, Unit: incidents.UnitMonths, TimeZone: "UTC"},
		},
		{
			name: "no fixed deadline",
			d:    incidents.Deadline{Start: "awareness", Text: "without undue delay"},
		},
		{
			name: "empty start",
			d:    incidents.Deadline{Amount: 72, Unit: incidents.UnitHours},
			want: invalid(`deadline has no start: set start to the event that starts the clock, such as "awareness"`),
		},
		{
			name: "blank start",
			d:    incidents.Deadline{Start: "  ", Amount: 72, Unit: incidents.UnitHours},
			want: invalid(`deadline has no start: set start to the event that starts the clock, such as "awareness"`),
		},
		{
			name: "unknown unit",
			d:    incidents.Deadline{Start: "awareness", Amount: 30, Unit: "days"},
			want: invalid(`unknown deadline unit "days": use hours, calendar_days, business_days or months, or leave unit empty for no fixed deadline`),
		},
		{
			name: "zero amount with a unit",
			d:    incidents.Deadline{Start: "awareness", Unit: incidents.UnitBusinessDays},
			want: invalid(`deadline amount is 0: a deadline in business_days needs a positive amount`),
		},
		{
			name: "negative amount",
			d:    incidents.Deadline{Start: "awareness", Amount: -72, Unit: incidents.UnitHours},
			want: invalid(`deadline amount is -72: a deadline in hours needs a positive amount`),
		},
		{
			name: "amount without a unit",
			d:    incidents.Deadline{Start: "awareness", Amount: 72},
			want: invalid(`deadline amount 72 has no unit: set unit to hours, calendar_days, business_days or months, or remove the amount for no fixed deadline`),
		},
		{
			name: "amount of more than a hundred years",
			d:    incidents.Deadline{Start: "awareness", Amount: 40000, Unit: incidents.UnitCalendarDays},
			want: invalid(`deadline amount 40000 calendar_days is more than 100 years`),
		},
		{
			name: "unknown calendar",
			d:    incidents.Deadline{Start: "awareness", Amount: 4, Unit: incidents.UnitBusinessDays, Calendar: "XX"},
			want: invalid(`unknown holiday calendar "XX": known calendars are AT, BE, BG, BR, CZ, DE, DK, ES, FR, GB, GR, HR, IE, IT, JP, LT, LV, MW, NC, NL, NO, NZ, PL, RO, RU, SE, SI, SK, UA, US, ZA, or leave calendar empty to count weekends only`),
		},
		{
			name: "lower-case calendar",
			d:    incidents.Deadline{Start: "awareness", Amount: 4, Unit: incidents.UnitBusinessDays, Calendar: "us"},
			want: invalid(`unknown holiday calendar "us": calendar names are upper case, write "US"`),
		},
		{
			name: "unknown time zone",
			d:    incidents.Deadline{Start: "awareness", Amount: 72, Unit: incidents.UnitHours, TimeZone: "Europe/Berln"},
			want: invalid(`unknown time zone "Europe/Berln": use an IANA name such as "Europe/Berlin" or "America/New_York", or leave time_zone empty for UTC`),
		},
		{
			name: "the server's local time zone",
			d:    incidents.Deadline{Start: "awareness", Amount: 72, Unit: incidents.UnitHours, TimeZone: "Local"},
			want: invalid(`time zone "Local" is whatever the server is set to: use an IANA name such as "Europe/Berlin" or "America/New_York"`),
		},
		{
			name: "unknown anchor",
			d:    incidents.Deadline{Start: "discovery", Amount: 60, Unit: incidents.UnitCalendarDays, Anchor: "end_of_year"},
			want: invalid(`unknown deadline anchor "end_of_year": the only anchor is end_of_calendar_year, or leave anchor empty`),
		},
		{
			name: "every problem at once",
			d:    incidents.Deadline{Unit: "weeks", Calendar: "XX", TimeZone: "Mars/Olympus_Mons", Anchor: "eoy"},
			want: invalid(`deadline has no start: set start to the event that starts the clock, such as "awareness"; ` +
				`unknown deadline unit "weeks": use hours, calendar_days, business_days or months, or leave unit empty for no fixed deadline; ` +
				`unknown holiday calendar "XX": known calendars are AT, BE, BG, BR, CZ, DE, DK, ES, FR, GB, GR, HR, IE, IT, JP, LT, LV, MW, NC, NL, NO, NZ, PL, RO, RU, SE, SI, SK, UA, US, ZA, or leave calendar empty to count weekends only; ` +
				`unknown time zone "Mars/Olympus_Mons": use an IANA name such as "Europe/Berlin" or "America/New_York", or leave time_zone empty for UTC; ` +
				`unknown deadline anchor "eoy": the only anchor is end_of_calendar_year, or leave anchor empty`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.d.Validate()
			var got *incidents.Error
			if err != nil && !errors.As(err, &got) {
				t.Fatalf("Validate returned %T %v, want *incidents.Error", err, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKnownCalendars(t *testing.T) {
	t.Parallel()
	want := []string{"AT", "BE", "BG", "BR", "CZ", "DE", "DK", "ES", "FR", "GB", "GR", "HR", "IE", "IT", "JP",
		"LT", "LV", "MW", "NC", "NL", "NO", "NZ", "PL", "RO", "RU", "SE", "SI", "SK", "UA", "US", "ZA"}
	got := incidents.KnownCalendars()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("KnownCalendars mismatch (-want +got):\n%s", diff)
	}
	got[0] = "XX"
	if again := incidents.KnownCalendars(); again[0] != "AT" {
		t.Errorf("changing the result of KnownCalendars changed the next result: %v", again)
	}
	// Every calendar works across a year of starts, every third day so that
	// each weekday comes up.
	for _, name := range want {
		d := incidents.Deadline{Start: "awareness", Amount: 10, Unit: incidents.UnitBusinessDays, Calendar: name}
		for start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC); start.Year() == 2026; start = start.AddDate(0, 0, 3) {
			due, err := d.Due(start)
			if err != nil {
				t.Fatalf("calendar %s: Due(%s): %v", name, start.Format(time.DateOnly), err)
			}
			// Ten business days are two weeks plus at most the few holidays
			// of a fortnight, and end at the end of the last day.
			if days := due.Sub(start).Hours() / 24; days < 12 || days > 22 {
				t.Errorf("calendar %s: 10 business days from %s end %s, %g days later", name, start.Format(time.DateOnly), due.Format(time.DateOnly), days)
			}
		}
	}
}

// TestDeadlineDueConcurrent runs under -race: holiday calendars and time
// zones are shared caches.
func TestDeadlineDueConcurrent(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	deadlines := []incidents.Deadline{
		{Start: "materiality", Amount: 4, Unit: incidents.UnitBusinessDays, Calendar: "US", TimeZone: "America/New_York"},
		{Start: "awareness", Amount: 3, Unit: incidents.UnitBusinessDays, Calendar: "BR", TimeZone: "America/Sao_Paulo"},
		{Start: "awareness", Amount: 2, Unit: incidents.UnitBusinessDays, Calendar: "GB", TimeZone: "Europe/London"},
	}
	want := make([]time.Time, len(deadlines))
	for i, d := range deadlines {
		var err error
		if want[i], err = d.Due(start); err != nil {
			t.Fatalf("Due: %v", err)
		}
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := i % len(deadlines)
				got, err := deadlines[k].Due(start)
				if err != nil || !got.Equal(want[k]) {
					t.Errorf("Due(%v) = %v, %v; want %v", deadlines[k], got, err, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkDueBusinessDays(b *testing.B) {
	d := incidents.Deadline{Start: "materiality", Amount: 4, Unit: incidents.UnitBusinessDays, Calendar: "US", TimeZone: "America/New_York"}
	start := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // across Thanksgiving
	for b.Loop() {
		if _, err := d.Due(start); err != nil {
			b.Fatal(err)
		}
	}
}
