package incidents

import (
	"math/rand/v2"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// The regular expressions the field checks were written from.
var (
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
	regionRE  = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)
	localeRE  = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	domainRE  = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// normalizeAddressRE is NormalizeAddress as it was: domainRE and net/mail
// for every address.
func normalizeAddressRE(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 || !utf8.ValidString(s) {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", false
	}
	local, domain := s[:at], s[at+1:]
	for _, r := range local {
		if r > 127 || r <= ' ' || r == 0x7f {
			return "", false
		}
	}
	if len(local) > 64 {
		return "", false
	}
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if !isASCII(domain) {
		d, err := idna.Lookup.ToASCII(domain)
		if err != nil {
			return "", false
		}
		domain = d
	}
	if !domainRE.MatchString(domain) {
		return "", false
	}
	addr := local + "@" + domain
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Address != addr || parsed.Name != "" {
		return "", false
	}
	return addr, true
}

func randomString(r *rand.Rand, alphabet string, max int) string {
	n := r.IntN(max + 1)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// The written-out checks accept exactly what the expressions accept.
func TestFieldChecksMatchTheirExpressions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	checks := []struct {
		re       *regexp.Regexp
		fn       func(string) bool
		alphabet string
		max      int
	}{
		{countryRE, isCountryCode, "ABZaz09-", 3},
		{regionRE, isRegionCode, "AZ09az-", 4},
		{localeRE, isLocaleTag, "abzAZ09-_", 12},
		{domainRE, isDomainName, "az09-.A_", 12},
		{domainRE, isDomainName, "ab.-", 70},
	}
	for _, c := range checks {
		for range 200_000 {
			s := randomString(r, c.alphabet, c.max)
			if got, want := c.fn(s), c.re.MatchString(s); got != want {
				t.Fatalf("%s on %q: %v, the expression says %v", c.re, s, got, want)
			}
		}
	}
	long := strings.Repeat("a", 63)
	for _, s := range []string{long + ".de", long + "a.de", "a." + long, "a-b.c-d", "-a.b", "a.b-", "x.y", "localhost", "a..b", ".a.b", "a.b."} {
		if got, want := isDomainName(s), domainRE.MatchString(s); got != want {
			t.Errorf("domain %q: %v, the expression says %v", s, got, want)
		}
	}
}

// NormalizeAddress accepts and returns what it did when net/mail checked
// every address.
func TestNormalizeAddressMatchesNetMail(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const local = `ab.AB09!#$%&'*+-/=?^_{|}~"(),:;<>@[\] ` + "`"
	cases := []string{`"quoted"@example.com`, `"a b"@example.com`, `a."b"@example.com`, `(c)a@example.com`, `a@[1.2.3.4]`,
		`a(comment)@example.com`, "a.b@example.com", ".a@example.com", "a.@example.com", "a..b@example.com", "Ab+c@Example.COM.",
		`a\b@example.com`, "José@example.com", "a@bücher.de"}
	for range 300_000 {
		cases = append(cases, randomString(r, local, 8)+"@"+randomString(r, "ab.-", 6))
	}
	for _, s := range cases {
		got, err := NormalizeAddress(s)
		want, ok := normalizeAddressRE(s)
		if (err == nil) != ok || got != want {
			t.Fatalf("%q: %q, %v; net/mail and the expression say %q, %v", s, got, err, want, ok)
		}
	}
}
