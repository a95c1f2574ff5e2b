package incidents

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nc"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// maxYears bounds how far a deadline may reach: it keeps a typo in a
// playbook from overflowing a time.Duration or spinning through millions of
// business days.
const maxYears = 100

// maxAmount is the largest Amount of each unit, about maxYears years.
var maxAmount = map[string]int{
	UnitHours:        maxYears * 366 * 24,
	UnitCalendarDays: maxYears * 366,
	UnitBusinessDays: maxYears * 262,
	UnitMonths:       maxYears * 12,
}

const unitList = "hours, calendar_days, business_days or months"

// Validate reports what is wrong with d, for the person who wrote it in a
// playbook or the regulations catalog: an empty start, an unknown unit, an
// amount that does not fit the unit, an unknown holiday calendar, a time zone
// that cannot be loaded, or an unknown anchor. Every problem is reported, in
// that order, in one *Error with code EINVALID.
func (d Deadline) Validate() error {
	var problems []string
	if strings.TrimSpace(d.Start) == "" {
		problems = append(problems, `deadline has no start: set start to the event that starts the clock, such as "awareness"`)
	}
	switch limit, known := maxAmount[d.Unit]; {
	case d.Unit == UnitNone:
		if d.Amount != 0 {
			problems = append(problems, fmt.Sprintf("deadline amount %d has no unit: set unit to %s, or remove the amount for no fixed deadline", d.Amount, unitList))
		}
	case !known:
		problems = append(problems, fmt.Sprintf("unknown deadline unit %q: use %s, or leave unit empty for no fixed deadline", d.Unit, unitList))
	case d.Amount <= 0:
		problems = append(problems, fmt.Sprintf("deadline amount is %d: a deadline in %s needs a positive amount", d.Amount, d.Unit))
	case d.Amount > limit:
		problems = append(problems, fmt.Sprintf("deadline amount %d %s is more than %d years", d.Amount, d.Unit, maxYears))
	}
	if _, err := holidayCalendar(d.Calendar); err != nil {
		problems = append(problems, err.Error())
	}
	if _, err := loadZone(d.TimeZone); err != nil {
		problems = append(problems, err.Error())
	}
	if d.Anchor != "" && d.Anchor != AnchorEndOfYear {
		problems = append(problems, fmt.Sprintf("unknown deadline anchor %q: the only anchor is %s, or leave anchor empty", d.Anchor, AnchorEndOfYear))
	}
	if len(problems) > 0 {
		return Errorf(EINVALID, "%s", strings.Join(problems, "; "))
	}
	return nil
}

// Due returns when a clock that started at start runs out. It returns the
// zero time and a nil error for UnitNone (no fixed deadline), and the error
// of Validate for an invalid deadline.
//
// Days, months and business days are counted in TimeZone (UTC when empty),
// and the result is in that location; callers convert it as they like. The
// rules follow how statutes count time ("within 3 calendar days" ends at
// the end of the third day, not at the hour the clock started):
//
//   - hours: exactly Amount elapsed hours. Weekends, holidays and daylight
//     saving time do not matter, so across a DST change the wall clock of
//     the result differs from the start's by an hour.
//   - calendar_days: the end (24:00, that is 00:00 of the next day) of the
//     Amount-th day after start's date, in TimeZone. Assessed on Saturday
//     21 November at 10:00, 3 calendar days end at the end of Tuesday 24
//     November. Across a DST change the elapsed time is not a multiple of
//     24 h; that is intended: a day is a date, not 24 hours.
//   - months: the end of the day Amount calendar months after start's date,
//     clamped to the last day of the target month: one month after 31
//     January ends at the end of 28 February (29 in a leap year).
//   - business_days: the end of the Amount-th business day strictly after
//     start's date. A business day is Monday to Friday and not a public
//     holiday of Calendar; a holiday that falls on a weekend counts on the
//     weekday it is observed on (4 July 2026, a Saturday, makes Friday 3 July
//     a holiday in "US"). From Saturday 10:00, 4 business days end at the end
//     of Thursday; from Monday 10:00, at the end of Friday.
//   - Anchor end_of_calendar_year counts from 31 December of start's year,
//     in TimeZone: 60 calendar days end at the end of 1 March (29 February in
//     a leap year), the 60th day after 31 December.
//
// The end of a day is the first instant of the next date in TimeZone, so it
// is exact across DST changes (a day that starts at 01:00 because midnight
// was skipped ends there).
func (d Deadline) Due(start time.Time) (time.Time, error) {
	if err := d.Validate(); err != nil {
		return time.Time{}, err
	}
	if d.Unit == UnitNone {
		return time.Time{}, nil
	}
	if start.IsZero() {
		return time.Time{}, fmt.Errorf("due time of %q: the clock has no start time", d.String())
	}
	loc, err := loadZone(d.TimeZone)
	if err != nil {
		return time.Time{}, err // unreachable: Validate loaded the zone
	}
	s := start.In(loc)
	if d.Unit == UnitHours {
		if d.Anchor == AnchorEndOfYear {
			s = time.Date(s.Year()+1, time.January, 1, 0, 0, 0, 0, loc)
		}
		return s.Add(time.Duration(d.Amount) * time.Hour), nil
	}
	year, month, day := s.Date()
	if d.Anchor == AnchorEndOfYear {
		month, day = time.December, 31
	}
	switch d.Unit {
	case UnitCalendarDays:
		return endOfDay(year, month, day+d.Amount, loc), nil
	case UnitMonths:
		// Day 0 of the month after the target is the target's last day.
		last := time.Date(year, month+time.Month(d.Amount)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return endOfDay(year, month+time.Month(d.Amount), min(day, last), loc), nil
	case UnitBusinessDays:
		bc, err := holidayCalendar(d.Calendar)
		if err != nil {
			return time.Time{}, err // unreachable: Validate found the calendar
		}
		// Count on dates, at noon UTC, so neither DST nor the zone of the
		// result can move a day.
		date := bc.WorkdaysFrom(time.Date(year, month, day, 12, 0, 0, 0, time.UTC), d.Amount)
		year, month, day = date.Date()
		return endOfDay(year, month, day, loc), nil
	}
	return time.Time{}, fmt.Errorf("due time of %q: unit %q is valid but not handled", d.String(), d.Unit) // unreachable
}

// endOfDay returns the end of the given date in loc (24:00, which is the
// first instant of the next date); the date is normalised as by time.Date.
func endOfDay(year int, month time.Month, day int, loc *time.Location) time.Time {
	next := time.Date(year, month, day+1, 0, 0, 0, 0, loc)
	// If midnight does not exist (a DST change at 00:00), time.Date may
	// return the last instant of the day before; the day really ends at
	// the first instant that carries the next date.
	if next.Day() != time.Date(year, month, day+1, 12, 0, 0, 0, loc).Day() {
		next = next.Add(time.Hour)
	}
	return next
}

// holidayLists are the public-holiday lists of github.com/rickar/cal/v2 that
// breachbot supports, keyed by ISO 3166-1 alpha-2 code. Each is the package's
// national Holidays list, with observed dates (a holiday on a weekend
// moved to a weekday) as that package defines them. Notes:
//
//   - US is the eleven federal holidays of 5 U.S.C. 6103 (New Year's Day,
//     Martin Luther King Jr. Day, Presidents' Day, Memorial Day, Juneteenth,
//     Independence Day, Labor Day, Columbus Day, Veterans Day, Thanksgiving,
//     Christmas), Saturday observed on Friday and Sunday on Monday as OPM
//     does: the business days of the SEC and other federal rules. One-off
//     closures by executive order are not in it.
//   - GB is England and Wales: rickar/cal's gb.Holidays has the English
//     summer bank holiday (last Monday of August) and none of the Scottish
//     or Northern Irish ones.
//   - DE is the nine holidays of every Land; Land-only holidays
//     (Fronleichnam, Reformationstag, ...) are not in it.
//   - BR is the national list including Carnival Tuesday (not Monday),
//     Good Friday and Corpus Christi, plus Dia Nacional de Zumbi e da
//     Consciência Negra (20 November, a national holiday since Lei
//     14.759/2023), which rickar/cal's br.Holidays lacks: brHolidays adds it.
//   - SE includes Midsommarafton, Julafton and Nyårsafton, which Swedish law
//     on time limits treats like public holidays.
//
// Left out: AR (its Good Friday is computed on the Thursday), AU (only state
// lists), CA and CH (their national lists include provincial or cantonal
// days) and ECB (not a country).
var holidayLists = map[string][]*cal.Holiday{
	"AT": at.Holidays,
	"BE": be.Holidays,
	"BG": bg.Holidays,
	"BR": brHolidays,
	"CZ": cz.Holidays,
	"DE": de.Holidays,
	"DK": dk.Holidays,
	"ES": es.Holidays,
	"FR": fr.Holidays,
	"GB": gb.Holidays,
	"GR": gr.Holidays,
	"HR": hr.Holidays,
	"IE": ie.Holidays,
	"IT": it.Holidays,
	"JP": jp.Holidays,
	"LT": lt.Holidays,
	"LV": lv.Holidays,
	"MW": mw.Holidays,
	"NC": nc.Holidays,
	"NL": nl.Holidays,
	"NO": no.Holidays,
	"NZ": nz.Holidays,
	"PL": pl.Holidays,
	"RO": ro.Holidays,
	"RU": ru.Holidays,
	"SE": se.Holidays,
	"SI": si.Holidays,
	"SK": sk.Holidays,
	"UA": ua.Holidays,
	"US": us.Holidays,
	"ZA": za.Holidays,
}

// brConscienciaNegra is Dia Nacional de Zumbi e da Consciência Negra, 20
// November, a national holiday from 2024 (Lei 14.759 of 21 December 2023).
// Brazil does not move a holiday that falls on a weekend.
var brConscienciaNegra = &cal.Holiday{
	Name:      "Dia Nacional de Zumbi e da Consciência Negra",
	Type:      cal.ObservancePublic,
	Month:     time.November,
	Day:       20,
	Func:      cal.CalcDayOfMonth,
	StartYear: 2024,
}

// brHolidays is rickar/cal's Brazilian national list with what it lacks.
var brHolidays = append(slices.Clone(br.Holidays), brConscienciaNegra)

// rickar/cal computes every holiday at midnight in cal.DefaultLoc, which
// is the machine's local zone unless set, and offers no way to pass a zone
// to a holiday's calculation: a local zone whose clocks jump at midnight
// (America/Santiago) would move a holiday to the day before. Holidays are
// dates, so the domain computes them in UTC, whatever the machine's zone
// and whichever binary imports it.
func init() { cal.DefaultLoc = time.UTC }

// businessCalendars are built once and only read afterwards, which makes
// them safe for concurrent use: Cacheable stays false, because the cache of
// a cal.Calendar is a map written on every lookup without a lock.
var businessCalendars = sync.OnceValue(func() map[string]*cal.BusinessCalendar {
	m := make(map[string]*cal.BusinessCalendar, len(holidayLists)+1)
	m[""] = cal.NewBusinessCalendar() // weekends only
	for name, holidays := range holidayLists {
		c := cal.NewBusinessCalendar()
		c.Name = name
		c.AddHoliday(holidays...)
		m[name] = c
	}
	return m
})

// KnownCalendars returns the names of the holiday calendars a Deadline can
// count business days with, sorted: upper-case ISO 3166-1 alpha-2 country
// codes such as "BR", "DE", "GB" (England and Wales) and "US" (federal
// holidays). The empty name, which counts weekends only, is not listed.
func KnownCalendars() []string {
	names := make([]string, 0, len(holidayLists))
	for name := range holidayLists {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// holidayCalendar returns the business calendar called name; "" is Monday to
// Friday with no holidays. The calendar is shared: it must not be changed.
func holidayCalendar(name string) (*cal.BusinessCalendar, error) {
	if c, ok := businessCalendars()[name]; ok {
		return c, nil
	}
	if _, ok := holidayLists[strings.ToUpper(name)]; ok {
		return nil, fmt.Errorf("unknown holiday calendar %q: calendar names are upper case, write %q", name, strings.ToUpper(name))
	}
	return nil, fmt.Errorf("unknown holiday calendar %q: known calendars are %s, or leave calendar empty to count weekends only",
		name, strings.Join(KnownCalendars(), ", "))
}

// zones caches loaded time zones by name: time.LoadLocation reads the zone
// database on every call.
var zones sync.Map // string -> *time.Location

var errLocalZone = errors.New(`time zone "Local" is whatever the server is set to: use an IANA name such as "Europe/Berlin" or "America/New_York"`)

// loadZone returns the location called name; "" is UTC. "Local" is refused:
// a legal deadline must not depend on where the bot runs.
func loadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return time.UTC, nil
	case "Local":
		return nil, errLocalZone
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf(`unknown time zone %q: use an IANA name such as "Europe/Berlin" or "America/New_York", or leave time_zone empty for UTC`, name)
	}
	zones.Store(name, loc)
	return loc, nil
}
