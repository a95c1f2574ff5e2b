// Package templates holds breachbot's notice templates (embedded in the
// binary), the renderer that turns a template and the notice's Data into a
// Message (subject, plain text, HTML), and the content linter behind
// `breachbot templates lint`.
//
// # Files
//
// A templates folder holds one folder per template, named like
// breach-notice, with a meta.yaml and one folder per locale:
//
//	breach-notice/
//	  meta.yaml          description, default_locale (en if absent), regimes
//	  en/subject.txt     text/template: the subject, one line
//	  en/body.txt        text/template: the plain-text body
//	  en/body.html       html/template: the HTML body
//	  de/...
//
// meta.yaml names the regimes whose content rules the template claims to
// meet (see Regimes), for example
//
//	description: Notice of Data Breach to an affected person.
//	default_locale: en
//	regimes: [california, gdpr, uk-gdpr, hipaa, australia, india, china]
//
// New loads the embedded templates and, from an override folder with the
// same layout, replaces a template's meta.yaml and any of its locale folders
// (a locale folder is replaced as a whole and must hold all three files); a
// template the embedded set lacks needs its own meta.yaml.
//
// # Writing templates
//
// Templates see the fields of Data ({{.Company.Name}}, {{.Incident.WhatHappened}},
// {{.Recipient.Name}}, ...) and these functions besides text/template's:
//
//	date T                      a date in the locale's long form; "" for an unknown (zero) date
//	dateRange START END         one date, or "START – END"; "" if START is unknown
//	involved RECIPIENT INCIDENT labels of the involved data categories: the recipient's, or else the incident's
//	label CATEGORY              the label of one data category
//	exposesIDNumbers R I        whether the involved categories include an SSN or government ID number
//	isCountry CODE VALUE        whether VALUE ("US", "us", "US-CA") is in country CODE
//	paragraphs TEXT             TEXT split at blank lines, for <p> elements
//
// A heading of body.txt is a line underlined with === or --- (at least
// three); a heading of body.html is an <h1>...<h6> element. Both bodies must
// have the same headings and use the same fields.
//
// Anything a template prints must have a value: Render refuses, naming the
// file, line and field, to render a notice in which an action would print
// nothing (an empty text, an unknown date, an empty list in a range without
// else). Data a notice may lack (the recipient's name, the DPO, the date of
// the breach, ...) is printed inside {{with}}...{{else}}...{{end}} or
// {{if}}; the linter renders every template with the least data a notice
// under its regimes has and reports what is printed unguarded.
//
// Render adds what no template can forget: a drill or a test-send carries a
// banner ("[DRILL]", "[TEST]") in the subject and at the top of both bodies.
// The subject is made one line (a name with a line break cannot add a mail
// header) and the plain text has at most one blank line in a row.
//
// # Regimes
//
// The content rules are data (Regimes): for each regime, the headings both
// bodies must have (California's title "Notice of Data Breach" and its five
// headings, which translations keep in parentheses), text they must contain
// (the credit reporting agencies), the fields they must use, and the fields
// a notice rendered under the regime must not leave empty. They follow the
// section "What a notice must contain" of reference/notification-deadlines.md
// and are not legal advice: have counsel review every template.
package templates
