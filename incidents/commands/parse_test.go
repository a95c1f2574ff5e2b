package commands

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Command
	}{
		{"", Command{Name: "help"}},
		{"/breach", Command{Name: "help"}},
		{`/breach declare Customer DB exposed --playbook personal-data-breach --aware 2026-11-27T09:00:00Z`,
			Command{Name: "declare", Args: []string{"Customer", "DB", "exposed"}, Flags: map[string]string{"playbook": "personal-data-breach", "aware": "2026-11-27T09:00:00Z"}}},
		{`declare "Laptop stolen" --aware="2 hours ago" --drill`,
			Command{Name: "declare", Args: []string{"Laptop stolen"}, Flags: map[string]string{"aware": "2 hours ago"}, Bools: map[string]bool{"drill": true}}},
		{`declare “Vendor leak” —severity critical`, // what Slack on a phone sends
			Command{Name: "declare", Args: []string{"Vendor leak"}, Flags: map[string]string{"severity": "critical"}}},
		{`facts jurisdictions=EU,US-CA data=email,password_hash affected=12000`,
			Command{Name: "facts", Args: []string{"jurisdictions=EU,US-CA", "data=email,password_hash", "affected=12000"}}},
		{`step done triage checked the logs`, Command{Name: "step done", Args: []string{"triage", "checked", "the", "logs"}}},
		{`STEP Waive vendors we don't use any`, Command{Name: "step waive", Args: []string{"vendors", "we", "don't", "use", "any"}}},
		{`steps done triage`, Command{Name: "step done", Args: []string{"triage"}}},
		{`met gdpr-art33 --ref "CNIL 2026/11" --incident inc-2026-1`,
			Command{Name: "met", Args: []string{"gdpr-art33"}, Flags: map[string]string{"ref": "CNIL 2026/11", "incident": "inc-2026-1"}}},
		{`declare Laptop stolen --aware 2h ago --severity low`,
			Command{Name: "declare", Args: []string{"Laptop", "stolen"}, Flags: map[string]string{"aware": "2h ago", "severity": "low"}}},
		{`clock breach_determined --at 3 hours ago`,
			Command{Name: "clock", Args: []string{"breach_determined"}, Flags: map[string]string{"at": "3 hours ago"}}},
		{`deadlines --all`, Command{Name: "deadlines", Bools: map[string]bool{"all": true}}},
		{`ls`, Command{Name: "list"}},
		{`help facts`, Command{Name: "help", Args: []string{"facts"}}},
		{`declare say "hi \"there\""`, Command{Name: "declare", Args: []string{"say", `hi "there"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.Flags == nil {
				tt.want.Flags = map[string]string{}
			}
			if tt.want.Bools == nil {
				tt.want.Bools = map[string]bool{}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, msg, hint string }{
		{"delcare x", `unknown command "delcare"`, "did you mean /breach declare?"},
		{"frobnicate", `unknown command "frobnicate"`, "/breach help lists every command"},
		{"declare", "declare needs a title", "usage: /breach declare TITLE"},
		{`declare "unclosed`, "a quote opened at character 9 is never closed", "close the quote"},
		{"declare x --severty high", "declare has no option --severty", "did you mean --severity?"},
		{"declare x --aware", "--aware needs a value", "usage: /breach declare"},
		{"declare x --drill=yes", "--drill is a switch and takes no value", "usage:"},
		{"met gdpr-art33 --ref a --ref b", "--ref is given twice", "usage:"},
		{"met", "met needs the obligation id (see /breach deadlines)", "usage: /breach met OBLIGATION --ref REFERENCE"},
		{"move contained investigating", `move takes one word after it, but got "contained investigating"`, "usage: /breach move"},
		{"step", "step needs done or waive", "/breach step done STEP"},
		{"step redo x", `unknown step action "redo"`, "/breach step done STEP"},
		{"status --verbose", "status has no option --verbose", "options: --incident"},
		{strings.Repeat("a", 9000), "the command is 9000 characters long; the limit is 8000", ""},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if incidents.ErrorCode(err) != incidents.EINVALID || incidents.ErrorMessage(err) != tt.msg || !strings.Contains(incidents.ErrorHint(err), tt.hint) {
			t.Errorf("Parse(%.40q) = %q hint %q; want %q with hint containing %q", tt.in, incidents.ErrorMessage(err), incidents.ErrorHint(err), tt.msg, tt.hint)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		in   string
		zone *time.Location
		want time.Time
		err  string
	}{
		{in: "2026-11-27T09:00:00Z", want: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)},
		{in: "2026-11-27T09:00Z", want: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)},
		{in: "2026-11-27T10:00+01:00", want: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)},
		{in: "2026-11-27 09:00 UTC", want: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)},
		{in: "now", want: now},
		{in: "2h ago", want: now.Add(-2 * time.Hour)},
		{in: "90m ago", want: now.Add(-90 * time.Minute)},
		{in: "3 days ago", want: now.Add(-72 * time.Hour)},
		{in: "2026-11-27 10:00", zone: berlin, want: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)},
		{in: "2026-11-27 10:00", err: `"2026-11-27 10:00" has no time zone`},
		{in: "2026-11-27", err: `"2026-11-27" is a date without a time`},
		{in: "yesterday", err: `"yesterday" is not a time I can read`},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, now, tt.zone)
		if tt.err != "" {
			if incidents.ErrorMessage(err) != tt.err {
				t.Errorf("ParseTime(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "/breach help", `declare "Laptop stolen" --aware="2 hours ago" --drill`,
		"declare “Vendor leak” —severity critical", "facts jurisdictions=EU,US-CA data=email affected=12000",
		`met gdpr-art33 --ref "CNIL 2026/11" --at 2h ago --delay-reason 'we were late'`, "step done triage", "steps waive x y",
		`declare "a\"b`, "‘unterminated", "--incident", "move —", "help step", "\x00\xff", "step",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if incidents.ErrorCode(err) != incidents.EINVALID || incidents.ErrorMessage(err) == "" {
				t.Fatalf("Parse(%q) error %v is not a user-facing invalid-input error", s, err)
			}
			return
		}
		if findSpec(c.Name) == nil {
			t.Fatalf("Parse(%q) returned unknown command %q", s, c.Name)
		}
		for _, a := range c.Args {
			if utf8.ValidString(s) && !utf8.ValidString(a) {
				t.Fatalf("valid input %q produced invalid argument %q", s, a)
			}
		}
		_, _ = ParseTime(s, time.Unix(0, 0), nil)
	})
}
