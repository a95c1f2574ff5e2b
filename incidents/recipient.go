package incidents

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Recipient is one affected person a notice goes to. It is personal data:
// the store encrypts it at rest, and it never appears in logs, chat
// messages, audit entries or exports (counts and keyed hashes only).
type Recipient struct {
	// Email is the normalised address (see NormalizeAddress).
	Email string `json:"e"`
	Name  string `json:"n,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code (DE, US); Region a subdivision
	// code without the country (CA for US-CA).
	Country string `json:"c,omitempty"`
	Region  string `json:"r,omitempty"`
	// Locale is a BCP 47 tag (en, de-AT) choosing the template variant.
	Locale string `json:"l,omitempty"`
	// DataCategories are the kinds of this person's data that were exposed.
	DataCategories []string `json:"d,omitempty"`
}

// Unknown jurisdiction: recipients without a country are counted under it.
const JurisdictionUnknown = "unknown"

// Jurisdiction is where the recipient lives as a jurisdiction code: US-CA
// with a region, DE without, or JurisdictionUnknown.
func (r Recipient) Jurisdiction() string {
	switch {
	case r.Country == "":
		return JurisdictionUnknown
	case r.Region == "":
		return r.Country
	}
	return r.Country + "-" + r.Region
}

// Validate checks a recipient as it is stored.
func (r Recipient) Validate() error {
	if _, err := NormalizeAddress(r.Email); err != nil {
		return err
	}
	if r.Country != "" && !isCountryCode(r.Country) {
		return Errorf(EINVALID, "country %q is not an ISO 3166-1 alpha-2 code", r.Country)
	}
	if r.Region != "" && !isRegionCode(r.Region) {
		return Errorf(EINVALID, "region %q is not a subdivision code", r.Region)
	}
	if r.Locale != "" && !isLocaleTag(r.Locale) {
		return Errorf(EINVALID, "locale %q is not a language tag", r.Locale)
	}
	if len(r.Name) > maxRecipientName {
		return Errorf(EINVALID, "the name is %d characters long; the limit is %d", len(r.Name), maxRecipientName)
	}
	return nil
}

const maxRecipientName = 200

// The syntax checks of a recipient's fields, written out rather than as
// regular expressions because an import runs them on every row (the
// equivalent expressions are in the tests, which compare the two).

// isCountryCode matches ^[A-Z]{2}$.
func isCountryCode(s string) bool { return len(s) == 2 && isUpper(s[0]) && isUpper(s[1]) }

// isRegionCode matches ^[A-Z0-9]{1,3}$.
func isRegionCode(s string) bool {
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isLocaleTag matches ^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$.
func isLocaleTag(s string) bool {
	i := 0
	for i < len(s) && isLower(s[i]) {
		i++
	}
	if i < 2 || i > 3 {
		return false
	}
	for i < len(s) {
		if s[i] != '-' {
			return false
		}
		i++
		n := 0
		for i < len(s) && (isLower(s[i]) || isUpper(s[i]) || isDigit(s[i])) {
			i++
			n++
		}
		if n < 2 || n > 8 {
			return false
		}
	}
	return true
}

// isDomainName matches
// ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$:
// two or more dot-separated labels of 1 to 63 lower-case letters, digits
// and hyphens, neither starting nor ending with a hyphen.
func isDomainName(s string) bool {
	labels := 0
	for {
		end := strings.IndexByte(s, '.')
		label := s
		if end >= 0 {
			label = s[:end]
		}
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isLower(c) && !isDigit(c) && c != '-' {
				return false
			}
		}
		labels++
		if end < 0 {
			return labels >= 2
		}
		s = s[end+1:]
	}
}

// isDotAtom reports whether an ASCII local part is an RFC 5322 dot-atom:
// atoms of printable characters other than specials, joined by single
// dots. net/mail reads such a part as it is.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>[]:;@\,"`, c) >= 0:
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// NormalizeAddress checks that s is one bare e-mail address and returns it
// normalised: surrounding space trimmed, the domain lower-cased and, if it is
// internationalised, converted to its ASCII (punycode) form. The local part
// keeps its case (RFC 5321 leaves it to the receiving server); DedupeKey
// folds it for de-duplication. Errors never repeat the address: they end up
// in import reports.
func NormalizeAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", Errorf(EINVALID, "no e-mail address")
	case len(s) > 254:
		return "", Errorf(EINVALID, "the e-mail address is longer than 254 characters")
	case !utf8.ValidString(s):
		return "", Errorf(EINVALID, "the e-mail address is not valid UTF-8")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", Errorf(EINVALID, "the e-mail address has no @ or nothing before or after it")
	}
	local, domain := s[:at], s[at+1:]
	for _, r := range local {
		if r > unicode.MaxASCII || r <= ' ' || r == 0x7f {
			return "", Errorf(EINVALID, "the e-mail address has spaces, control or non-ASCII characters before the @")
		}
	}
	if len(local) > 64 {
		return "", Errorf(EINVALID, "the part of the e-mail address before the @ is longer than 64 characters")
	}
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if !isASCII(domain) {
		d, err := idna.Lookup.ToASCII(domain)
		if err != nil {
			return "", Errorf(EINVALID, "the domain of the e-mail address is not a valid internationalised domain name")
		}
		domain = d
	}
	if !isDomainName(domain) {
		return "", Errorf(EINVALID, "the domain of the e-mail address is not a valid domain name")
	}
	addr := local + "@" + domain
	if isDotAtom(local) {
		return addr, nil // what net/mail would accept and return as it is
	}
	// net/mail checks the local part's syntax (dots, quoting, specials).
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Address != addr || parsed.Name != "" {
		return "", Errorf(EINVALID, "the e-mail address is not a valid address")
	}
	return addr, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > unicode.MaxASCII {
			return false
		}
	}
	return true
}

// DedupeKey is the form of a normalised address that identifies a person:
// fully lower-cased, since practically every mail system treats the local
// part case-insensitively and notifying Alice@ and alice@ twice is the
// worse mistake.
func DedupeKey(normalized string) string { return strings.ToLower(normalized) }

// RecipientSet describes an imported list of recipients (the recipients
// themselves are in the store, encrypted). It holds no personal data.
type RecipientSet struct {
	// ID is R<n>, unique in the database.
	ID       string `json:"id"`
	Incident string `json:"incident"`
	// State is "staging" while an import writes it and "committed" once it
	// became the incident's recipient list; a staging set is never bound.
	State      string    `json:"state"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
	// Count is the number of distinct recipients (1..Count are their keys).
	Count int64 `json:"count"`
	// Counts are recipients per jurisdiction; Locales per locale ("" when none).
	Counts  map[string]int64 `json:"counts,omitempty"`
	Locales map[string]int64 `json:"locales,omitempty"`
	// Profiles count recipients per jurisdiction, locale and own data
	// categories (ProfileKey): what decides the content of their notices.
	Profiles map[string]int64 `json:"profiles,omitempty"`
	// Hash is the SHA-256 of the recipients as stored, in order: any change
	// to anyone's address, name, jurisdiction, locale or categories changes it.
	Hash string `json:"hash"`
	// Source describes the file (its name and SHA-256, never its content).
	Source       string `json:"source,omitempty"`
	SourceSHA256 string `json:"source_sha256,omitempty"`
	// PurgedAt is when the people were deleted (retention), if they were.
	PurgedAt time.Time `json:"purged_at,omitzero"`
}

// Recipient set states.
const (
	SetStaging   = "staging"
	SetCommitted = "committed"
)

// RecipientSetRef is what an incident or a notice records of a recipient set.
type RecipientSetRef struct {
	ID      string           `json:"id"`
	Hash    string           `json:"hash"`
	Count   int64            `json:"count"`
	Counts  map[string]int64 `json:"counts,omitempty"`
	Locales map[string]int64 `json:"locales,omitempty"`
	// Profiles are recipients per ProfileKey (nil in sets imported before
	// they were counted).
	Profiles map[string]int64 `json:"profiles,omitempty"`
}

// Ref returns the reference to a set.
func (s *RecipientSet) Ref() RecipientSetRef {
	return RecipientSetRef{ID: s.ID, Hash: s.Hash, Count: s.Count, Counts: s.Counts, Locales: s.Locales, Profiles: s.Profiles}
}

// ProfileKey is what of a recipient decides their notice's content:
// jurisdiction, locale and own data categories, "US-MA|en|email,ssn".
func ProfileKey(r Recipient) string {
	cats := slices.Clone(r.DataCategories)
	slices.Sort(cats)
	return r.Jurisdiction() + "|" + r.Locale + "|" + strings.Join(cats, ",")
}

// profileRecipient is a made-up recipient of a profile: no real person's
// data, the profile's jurisdiction, locale and categories.
func profileRecipient(key string) Recipient {
	parts := strings.SplitN(key, "|", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	r := Recipient{Email: "jane.doe@example.com", Name: "Jane Doe", Locale: parts[1]}
	if j := parts[0]; j != JurisdictionUnknown && j != "" {
		r.Country, r.Region, _ = strings.Cut(j, "-")
	}
	if parts[2] != "" {
		r.DataCategories = strings.Split(parts[2], ",")
	}
	return r
}
