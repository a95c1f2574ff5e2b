package playbooks

import (
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// statutoryHolidays are the days on which, by statute, no business day is
// counted, for every holiday calendar the shipped catalog uses, 2024-2027.
// They are written from the statutes, not from the holiday library, so a
// gap in the library (as 20 November was for Brazil) fails the test.
var statutoryHolidays = map[string]struct {
	cite  string
	dates []string
	// extras are days the calendar also counts as holidays although no
	// statute above makes them one, each with why that is accepted.
	extras map[string]string
}{
	// 5 U.S.C. 6103(a): New Year's Day, Birthday of Martin Luther King Jr.
	// (third Monday in January), Washington's Birthday (third Monday in
	// February), Memorial Day (last Monday in May), Juneteenth (19 June),
	// Independence Day, Labor Day (first Monday in September), Columbus Day
	// (second Monday in October), Veterans Day (11 November), Thanksgiving
	// (fourth Thursday in November), Christmas Day; 6103(b) and Executive
	// Order 11582: one on a Saturday is observed on the Friday before, one on
	// a Sunday on the Monday after. The observed day is listed.
	"US": {
		cite: "5 U.S.C. 6103; E.O. 11582",
		dates: []string{
			"2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25",
			"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25",
			"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25",
			"2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24",
			"2027-12-31", // New Year's Day 2028 is a Saturday
		},
	},
	// Lei 662/1949 art. 1 (as amended by Lei 10.607/2002): 1 January, 21
	// April, 1 May, 7 September, 2 November, 15 November, 25 December; Lei
	// 6.802/1980: 12 October; Lei 14.759/2023: 20 November (from 2024); Lei
	// 9.093/1995 art. 2: Good Friday (Sexta-Feira da Paixão). Brazil does
	// not move a holiday that falls on a weekend.
	"BR": {
		cite: "Lei 662/1949 (Lei 10.607/2002), Lei 6.802/1980, Lei 9.093/1995, Lei 14.759/2023",
		dates: []string{
			"2024-01-01", "2024-03-29", "2024-04-21", "2024-05-01", "2024-09-07", "2024-10-12", "2024-11-02", "2024-11-15", "2024-11-20", "2024-12-25",
			"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-09-07", "2025-10-12", "2025-11-02", "2025-11-15", "2025-11-20", "2025-12-25",
			"2026-01-01", "2026-04-03", "2026-04-21", "2026-05-01", "2026-09-07", "2026-10-12", "2026-11-02", "2026-11-15", "2026-11-20", "2026-12-25",
			"2027-01-01", "2027-03-26", "2027-04-21", "2027-05-01", "2027-09-07", "2027-10-12", "2027-11-02", "2027-11-15", "2027-11-20", "2027-12-25",
		},
		// Carnival Tuesday and Corpus Christi are not national holidays by
		// statute: the federal government declares them "ponto facultativo"
		// each year, and federal offices (the ANPD among them) close.
		extras: map[string]string{
			"2024-02-13": "Carnival", "2024-05-30": "Corpus Christi",
			"2025-03-04": "Carnival", "2025-06-19": "Corpus Christi",
			"2026-02-17": "Carnival", "2026-06-04": "Corpus Christi",
			"2027-02-09": "Carnival", "2027-05-27": "Corpus Christi",
		},
	},
}

// businessDay reports whether date is a business day of calendar: one
// business day counted from the day before ends at the end of date exactly
// when date is one.
func businessDay(t *testing.T, calendar string, date time.Time) bool {
	t.Helper()
	d := incidents.Deadline{Start: "awareness", Amount: 1, Unit: incidents.UnitBusinessDays, Calendar: calendar}
	due, err := d.Due(date.AddDate(0, 0, -1))
	if err != nil {
		t.Fatalf("calendar %s: %v", calendar, err)
	}
	return due.Equal(date.AddDate(0, 0, 1))
}

func TestHolidayCalendarsOfTheCatalogMatchTheStatutes(t *testing.T) {
	t.Parallel()
	used := map[string][]string{} // calendar -> regulation ids
	for _, r := range mustEmbeddedCatalog(t).Regulations {
		for _, d := range []*incidents.Deadline{&r.Deadline, r.Backstop} {
			if d != nil && d.Calendar != "" {
				used[d.Calendar] = append(used[d.Calendar], r.ID)
			}
		}
	}
	if len(used) == 0 {
		t.Fatal("the catalog uses no holiday calendar; this test checks nothing")
	}
	for calendar, ids := range used {
		t.Run(calendar, func(t *testing.T) {
			t.Parallel()
			table, ok := statutoryHolidays[calendar]
			if !ok {
				t.Fatalf("the catalog counts business days with calendar %s (%v), but this test has no table of its statutory holidays: add one, citing the statutes", calendar, ids)
			}
			holidays := map[string]bool{}
			for _, s := range table.dates {
				holidays[s] = true
			}
			for day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() <= 2027; day = day.AddDate(0, 0, 1) {
				if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
					continue
				}
				s := day.Format(time.DateOnly)
				business := businessDay(t, calendar, day)
				switch {
				case holidays[s] && business:
					t.Errorf("%s (%s) is a holiday by %s, but calendar %s counts it as a business day", s, day.Weekday(), table.cite, calendar)
				case !holidays[s] && !business && table.extras[s] == "":
					t.Errorf("calendar %s counts %s (%s) as a holiday, but no statute in the table makes it one", calendar, s, day.Weekday())
				case !holidays[s] && business && table.extras[s] != "":
					t.Errorf("calendar %s no longer counts %s (%s) as a holiday: remove it from the extras", calendar, s, table.extras[s])
				}
			}
		})
	}
	// Every table is used, so none goes stale unnoticed.
	for calendar := range statutoryHolidays {
		if _, ok := used[calendar]; !ok {
			t.Errorf("the table has calendar %s, which the catalog does not use", calendar)
		}
	}
}
