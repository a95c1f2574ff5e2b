// Package playbooks holds breachbot's shipped playbooks and regulations
// catalog (YAML, embedded in the binary), the parser that turns them into
// *incidents.Playbook values, the linter that reports every problem of a file
// with its line and column, and Library, the playbook source the Service asks
// for playbooks.
//
// # Files
//
// A playbooks folder holds one playbook per *.yaml (or *.yml) file and,
// optionally, a regulations.yaml that extends the embedded catalog: its
// regulations, facts, events and groups are added, one with a name or id the
// embedded catalog has overrides it (lint notes it), and every key is
// optional. With replace: true at its top it is the whole catalog instead,
// with every key below required. The catalog is reference data built from
// public sources, not legal advice, and says so in its disclaimer.
//
// # Catalog
//
// regulations.yaml has a version, a disclaimer, jurisdiction groups
// (groups: {EU: [AT, BE, ...]}), the facts conditions may test (name, type
// set|number|bool|counts|text, values or format: jurisdiction for sets,
// aliases, description), the events that start clocks (awareness and others),
// and the regulations. A regulation has an id, title, law (the law it comes from, e.g. "EU GDPR";
// the older key regime: is read too), jurisdiction,
// notify, citation, source, status (in_force, uncertain or proposed), notes,
// content (what the notice must say), applies_when (a condition), a deadline
// and optionally a backstop (a second clock; the obligation is due at the
// earlier of the two). A deadline is
//
//	start: awareness          # an event, or met:<id>: when that obligation was met
//	within: 72h               # 72h, 72 hours, 30 days, 30 calendar days,
//	                          # 4 business days, 1 month, or none
//	calendar: US              # holiday calendar for business days
//	time_zone: America/New_York
//	anchor: end_of_calendar_year
//	text: the law's wording
//
// # Playbooks
//
// A playbook has an id, a version, a title, a description, default reminders
// (50% of the time allowed, or a time before the due time in the words a
// deadline's within takes, 24h, 24 hours, 2 days, or 90m, 1h30m; not business
// days or months, whose length varies),
// defaults (facts every incident starts with, e.g. {entity: public_company}),
// steps (id, title, description, owner responders|leads|legal, requires,
// gate investigating|contained|notifying|closed, third_party (true for a
// step that involves a processor, vendor or partner), and kind:
// decision for a notify / do-not-notify decision recorded per jurisdiction
// with /breach decide instead of step done; no other kind is accepted) and
// obligations: a regulation of the catalog, with an optional id, an optional
// when (ANDed with the catalog's applies_when) and optional reminders
// (reminders: [] means none).
//
// # Conditions
//
// A condition is a mapping. Its keys are all (a list of conditions), any (a
// list), not (a condition), or a fact with its tests:
//
//	jurisdictions: {includes: EU}             # set facts: one value or a list (any of them)
//	encrypted: {is: no}                       # bool facts
//	affected: {gte: 500}                      # number facts: gt, gte, lt, lte, eq
//	residents.US-CA: {gt: 500}                # counts facts: one key, or name.* for the largest
//	any: [{high_risk: {is: yes}}, {affected: {gte: 500}}]
//
// Several keys in one mapping, or several tests of one fact, must all hold.
// The empty mapping always holds.
//
// README.md "Writing playbooks" is the guide for people writing playbooks,
// with examples that TestReadmeWritingPlaybooksLints lints.
package playbooks
