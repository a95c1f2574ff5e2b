package templates

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// localeRE matches a canonical locale name: a language, optionally a script
// and a region ("en", "de-AT", "zh-Hans-CN", "es-419").
var localeRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$`)

// canonicalLocale returns locale in canonical form: "de_at" and "DE-at" give
// "de-AT". It does not check that the result is well formed.
func canonicalLocale(locale string) string {
	parts := strings.FieldsFunc(strings.TrimSpace(locale), func(r rune) bool { return r == '-' || r == '_' })
	for i, p := range parts {
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case len(p) == 4:
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		case len(p) == 2 || len(p) == 3 && p[0] >= '0' && p[0] <= '9':
			parts[i] = strings.ToUpper(p)
		default:
			parts[i] = strings.ToLower(p)
		}
	}
	return strings.Join(parts, "-")
}

// language returns the language of a canonical locale: "de" for "de-AT".
func language(locale string) string {
	lang, _, _ := strings.Cut(locale, "-")
	return lang
}

// banner is the notice a drill or a test-send carries in its subject and at
// the top of its bodies.
type banner struct {
	Prefix string // subject prefix, "[DRILL]"
	Title  string // first line of the body banner
	Text   string // the explanation
}

// words are the localized texts of the functions and banners the package
// adds to what templates say.
type words struct {
	months [12]string
	// date formats day d of month m (1-based) in year y.
	date        func(d int, m string, y int) string
	labels      map[string]string
	drill, test banner
	// headings are the language's versions of headings regimes require
	// in English ("What Happened"): a heading with either meets the rule,
	// so a notice need not carry English in parentheses.
	headings map[string]string
	// thousands separates groups of three digits in numbers ("12,000");
	// minGroup is the fewest digits before it that make a group worth
	// separating (CLDR's minimumGroupingDigits: Spanish writes 1200 but
	// 12.000).
	thousands string
	minGroup  int
}

// dictionary holds the languages the package speaks; other languages use
// English.
var dictionary = map[string]*words{
	"en": {
		thousands: ",", minGroup: 1,
		months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		date:   func(d int, m string, y int) string { return fmt.Sprintf("%s %d, %d", m, d, y) },
		labels: map[string]string{
			"email":            "email address",
			"username":         "username",
			"password":         "password",
			"password_hash":    "password, in scrambled (hashed) form",
			"security_qa":      "security questions and answers",
			"name":             "name",
			"address":          "postal address",
			"phone":            "phone number",
			"dob":              "date of birth",
			"ssn":              "Social Security number",
			"government_id":    "government-issued ID number",
			"drivers_license":  "driver's license or state ID card number",
			"passport":         "passport number",
			"tax_id":           "tax identification number",
			"card":             "payment card number",
			"bank_account":     "bank account number",
			"financial":        "financial information",
			"health":           "health or medical information",
			"health_insurance": "health insurance information",
			"biometric":        "biometric data, such as fingerprints or face scans",
			"genetic":          "genetic data",
			"location":         "location data",
			"ip_address":       "IP address",
			"device_id":        "device identifiers",
			"children":         "information about children",
		},
		drill: banner{
			Prefix: "[DRILL]",
			Title:  "THIS IS A DRILL - NOT A REAL NOTICE",
			Text:   "This message is part of a breach-response exercise. No real incident is described here and you do not need to do anything.",
		},
		test: banner{
			Prefix: "[TEST]",
			Title:  "TEST SEND - NOT YET SENT TO CUSTOMERS",
			Text:   "This is a test copy of a notice, sent to you to check before the real send. Do not forward it.",
		},
	},
	"de": {
		thousands: ".", minGroup: 1,
		months: [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		date:   func(d int, m string, y int) string { return fmt.Sprintf("%d. %s %d", d, m, y) },
		labels: map[string]string{
			"email":            "E-Mail-Adresse",
			"username":         "Benutzername",
			"password":         "Passwort",
			"password_hash":    "Passwort, in gehashter Form",
			"security_qa":      "Sicherheitsfragen und -antworten",
			"name":             "Name",
			"address":          "Postanschrift",
			"phone":            "Telefonnummer",
			"dob":              "Geburtsdatum",
			"ssn":              "US-Sozialversicherungsnummer",
			"government_id":    "Nummer eines amtlichen Ausweises",
			"drivers_license":  "Führerscheinnummer",
			"passport":         "Reisepassnummer",
			"tax_id":           "Steuer-Identifikationsnummer",
			"card":             "Zahlungskartennummer",
			"bank_account":     "Bankkontonummer",
			"financial":        "Finanzdaten",
			"health":           "Gesundheitsdaten",
			"health_insurance": "Krankenversicherungsdaten",
			"biometric":        "biometrische Daten, etwa Fingerabdrücke oder Gesichtsbilder",
			"genetic":          "genetische Daten",
			"location":         "Standortdaten",
			"ip_address":       "IP-Adresse",
			"device_id":        "Gerätekennungen",
			"children":         "Daten über Kinder",
		},
		headings: map[string]string{
			"Notice of Data Breach":         "Benachrichtigung über eine Datenschutzverletzung",
			"What Happened":                 "Was ist passiert?",
			"What Information Was Involved": "Welche Informationen sind betroffen?",
			"What We Are Doing":             "Was wir unternehmen",
			"What You Can Do":               "Was Sie tun können",
			"For More Information":          "Weitere Informationen",
		},
		drill: banner{
			Prefix: "[ÜBUNG]",
			Title:  "DIES IST EINE ÜBUNG - KEINE ECHTE BENACHRICHTIGUNG",
			Text:   "Diese Nachricht gehört zu einer Übung für den Ernstfall. Sie beschreibt keinen echten Vorfall, und Sie müssen nichts tun.",
		},
		test: banner{
			Prefix: "[TEST]",
			Title:  "TESTVERSAND - NOCH NICHT AN KUNDEN VERSANDT",
			Text:   "Dies ist eine Testkopie einer Benachrichtigung, die Sie vor dem echten Versand prüfen sollen. Bitte nicht weiterleiten.",
		},
	},
	"es": {
		thousands: ".", minGroup: 2,
		months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		date:   func(d int, m string, y int) string { return fmt.Sprintf("%d de %s de %d", d, m, y) },
		labels: map[string]string{
			"email":            "dirección de correo electrónico",
			"username":         "nombre de usuario",
			"password":         "contraseña",
			"password_hash":    "contraseña, guardada como hash (no legible)",
			"security_qa":      "preguntas y respuestas de seguridad",
			"name":             "nombre",
			"address":          "dirección postal",
			"phone":            "número de teléfono",
			"dob":              "fecha de nacimiento",
			"ssn":              "número de Seguro Social",
			"government_id":    "número de identificación oficial",
			"drivers_license":  "número de licencia de conducir o de tarjeta de identificación estatal",
			"passport":         "número de pasaporte",
			"tax_id":           "número de identificación fiscal",
			"card":             "número de tarjeta de pago",
			"bank_account":     "número de cuenta bancaria",
			"financial":        "información financiera",
			"health":           "información médica o de salud",
			"health_insurance": "información del seguro médico",
			"biometric":        "datos biométricos, como huellas dactilares o imágenes faciales",
			"genetic":          "datos genéticos",
			"location":         "datos de ubicación",
			"ip_address":       "dirección IP",
			"device_id":        "identificadores de dispositivos",
			"children":         "información sobre menores",
		},
		headings: map[string]string{
			"Notice of Data Breach":         "Aviso de filtración de datos",
			"What Happened":                 "Qué sucedió",
			"What Information Was Involved": "Qué información estuvo involucrada",
			"What We Are Doing":             "Qué estamos haciendo",
			"What You Can Do":               "Qué puede hacer usted",
			"For More Information":          "Más información",
		},
		drill: banner{
			Prefix: "[SIMULACRO]",
			Title:  "ESTO ES UN SIMULACRO - NO ES UN AVISO REAL",
			Text:   "Este mensaje forma parte de un ejercicio de respuesta a incidentes. No describe ningún incidente real y no tiene que hacer nada.",
		},
		test: banner{
			Prefix: "[PRUEBA]",
			Title:  "ENVÍO DE PRUEBA - AÚN NO ENVIADO A CLIENTES",
			Text:   "Esta es una copia de prueba de un aviso, enviada para que la revise antes del envío real. No la reenvíe.",
		},
	},
}

// wordsFor returns the words of a locale's language, or English.
func wordsFor(locale string) *words {
	if w, ok := dictionary[language(locale)]; ok {
		return w
	}
	return dictionary["en"]
}

// formatDate returns t's date (in UTC) in the locale's long form, or "" for
// the zero time.
func (w *words) formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	return w.date(t.Day(), w.months[t.Month()-1], t.Year())
}

// formatRange returns the date or date range from start to end: one date if
// end is zero, before start or on the same day, "" if start is zero.
func (w *words) formatRange(start, end time.Time) string {
	from := w.formatDate(start)
	if from == "" {
		return ""
	}
	to := w.formatDate(end)
	if to == "" || to == from || end.Before(start) {
		return from
	}
	return from + " – " + to
}

// formatNumber returns a whole number with the locale's digit grouping
// (en 12,000; de 12.000; es 12.000 but 1200). Other values print as fmt
// would print them.
func (w *words) formatNumber(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case int32:
		n = int64(x)
	default:
		return fmt.Sprint(v)
	}
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	if w.thousands == "" || len(digits) < 3+max(w.minGroup, 1) {
		return sign + digits
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(w.thousands)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// label returns the human label of a data category: the locale's, else
// English, else the name with spaces for underscores.
func (w *words) label(category string) string {
	if l, ok := w.labels[category]; ok {
		return l
	}
	if l, ok := dictionary["en"].labels[category]; ok {
		return l
	}
	return strings.ReplaceAll(category, "_", " ")
}
