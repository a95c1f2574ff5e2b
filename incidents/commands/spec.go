package commands

import "strings"

// spec describes one subcommand: its grammar and its help.
type spec struct {
	name    string
	usage   string
	summary string
	// help is the long explanation shown by /breach help NAME.
	help  string
	flags []string
	bools []string
	// answers are yes/no flags: --law-enforcement-delay yes|no|unknown,
	// and alone yes (the switch it was before).
	answers []string
	// localized are the flags also taken per locale: --what-happened.de.
	localized []string
	minArgs   int
	maxArgs   int // -1: any number
	// missing says what is missing when fewer than minArgs are given.
	missing string
	// group orders /breach help.
	group string
}

const incidentFlag = "incident"

var specs = []*spec{
	{name: "declare", group: "Start",
		usage:   "/breach declare TITLE [--aware TIME] [--severity critical|high|medium|low] [--playbook ID] [--facts \"name=value ...\"] [--drill]",
		summary: "declare an incident; --aware is when the company became aware (it starts most legal clocks)",
		help: "Declares an incident and pins it to the current version of a playbook. " +
			"--aware TIME is when the company became aware of the breach (default: now); it may be earlier than now, and it starts GDPR's 72 hours and most other clocks. " +
			"--facts records initial facts. --drill marks a practice run.\n" +
			"Example: /breach declare Customer DB exposed --playbook personal-data-breach --aware 2026-11-27T09:00:00Z",
		flags: []string{"aware", "severity", "playbook", "facts"}, bools: []string{"drill"},
		minArgs: 1, maxArgs: -1, missing: "needs a title"},
	{name: "drill", group: "Start",
		usage:   "/breach drill TITLE [--speed N] [--playbook ID] [--aware TIME] [--facts \"name=value ...\"]",
		summary: "practise: a drill incident, marked as such everywhere, whose legal clocks run N times faster (default 60: hours become minutes); its notices never reach customers",
		flags:   []string{"speed", "playbook", "aware", "facts", "severity"},
		minArgs: 1, maxArgs: -1, missing: "needs a title"},
	{name: "status", group: "See",
		usage:   "/breach status [--incident ID]",
		summary: "the incident's state, next deadlines and progress; without an incident, the open incidents",
		flags:   []string{incidentFlag}, maxArgs: 0},
	{name: "list", group: "See",
		usage:   "/breach list [--all]",
		summary: "open incidents (--all: closed ones too)",
		bools:   []string{"all"}, maxArgs: 0},
	{name: "deadlines", group: "See",
		usage:   "/breach deadlines [--all] [--incident ID]",
		summary: "every legal clock: missed, running, not started, needing facts (--all: also those that do not apply)",
		flags:   []string{incidentFlag}, bools: []string{"all"}, maxArgs: 0},
	{name: "steps", group: "See",
		usage:   "/breach steps [--incident ID]",
		summary: "the playbook checklist with who owns each step",
		flags:   []string{incidentFlag}, maxArgs: 0},
	{name: "facts", group: "Record",
		usage:   "/breach facts [name=value ...] [--incident ID]",
		summary: "record what is known (jurisdictions, data categories, counts); without arguments, show the facts",
		help: "Records facts and recomputes which obligations apply. Lists are comma-separated; name+=X adds to a list, name-=X removes, name=unknown forgets. " +
			"Example: /breach facts jurisdictions=EU,US-CA data=email,password_hash affected=12000 encrypted=no",
		flags: []string{incidentFlag}, maxArgs: -1},
	{name: "clock", group: "Record",
		usage:   "/breach clock [EVENT] [--at TIME] [--reason TEXT] [--incident ID]",
		summary: "record when a clock-start event happened (breach_determined, materiality_determined, ...); without EVENT, list them",
		help: "Some deadlines start at an event other than awareness: the determination that a breach occurred (US states, NYDFS), " +
			"that it is material (SEC 8-K), its classification as major (DORA), a ransom payment (NYDFS). Record it when it happens; --at gives an earlier time. " +
			"Moving awareness later pushes back every deadline: it needs a lead or legal and --reason; earlier is open to responders. " +
			"Example: /breach clock materiality_determined --at 2026-11-27T15:00Z",
		flags: []string{"at", "reason", incidentFlag}, maxArgs: 1},
	{name: "step done", group: "Record",
		usage:   "/breach step done STEP [NOTE] [--incident ID]",
		summary: "mark a playbook step done",
		flags:   []string{incidentFlag}, minArgs: 1, maxArgs: -1, missing: "needs the step id (see /breach steps)"},
	{name: "step waive", group: "Record",
		usage:   "/breach step waive STEP REASON [--incident ID]",
		summary: "skip a step, with the reason (leads and legal)",
		flags:   []string{incidentFlag}, minArgs: 2, maxArgs: -1, missing: "needs the step id and a reason"},
	{name: "decide", group: "Record",
		usage:   "/breach decide STEP notify|no-notify [--jurisdiction X] --reason TEXT [--incident ID]",
		summary: "record a notify / do-not-notify decision on a decision step, per jurisdiction, with why (step owner, leads, legal)",
		help: "Records the decision and its reasoning (risk of harm, encryption, safe harbours) on a decision step. " +
			"Without --jurisdiction it covers every jurisdiction. The latest decision for a jurisdiction holds; earlier ones stay in the record. " +
			"The step is done when every jurisdiction in the facts has a decision.\n" +
			"Example: /breach decide notify-decision no-notify --jurisdiction DE --reason \"one known recipient confirmed deletion; low risk\"",
		flags: []string{"jurisdiction", "reason", incidentFlag}, minArgs: 2, maxArgs: 2, missing: "needs the step id and notify or no-notify"},
	{name: "met", group: "Record",
		usage:   "/breach met OBLIGATION --ref REFERENCE [--at TIME] [--delay-reason TEXT] [--incident ID]",
		summary: "record that an obligation was met (e.g. the regulator was notified), with its reference",
		help: "Records that a notification was made. --ref is the regulator's case number or how it was sent. " +
			"Met after its due time, --delay-reason is required (GDPR Art. 33(1) asks for the reasons for the delay). " +
			"Example: /breach met gdpr-art33 --ref CNIL-2026-1234",
		flags: []string{"ref", "at", "delay-reason", incidentFlag}, minArgs: 1, maxArgs: 1, missing: "needs the obligation id (see /breach deadlines)"},
	{name: "waive", group: "Record",
		usage:   "/breach waive OBLIGATION REASON [--incident ID]",
		summary: "waive an obligation with the reason (leads and legal)",
		flags:   []string{incidentFlag}, minArgs: 2, maxArgs: -1, missing: "needs the obligation id and a reason"},
	{name: "move", group: "Lifecycle",
		usage:   "/breach move investigating|contained|notifying [--incident ID]",
		summary: "move the incident forward; the playbook's gate steps must be done or waived",
		flags:   []string{incidentFlag}, minArgs: 1, maxArgs: 1, missing: "needs the state to move to"},
	{name: "close", group: "Lifecycle",
		usage:   "/breach close [--incident ID]",
		summary: "close the incident; every obligation must be met, waived or not applicable",
		flags:   []string{incidentFlag}, maxArgs: 0},
	{name: "export", group: "Lifecycle",
		usage:   "/breach export [--format md|json|html] [--incident ID]",
		summary: "the incident record for regulators: timeline, obligations met or late, steps, playbook version (leads and legal)",
		flags:   []string{"format", incidentFlag}, maxArgs: 0},
	{name: "help", group: "Help",
		usage:   "/breach help [COMMAND]",
		summary: "this list, or the details of one command",
		maxArgs: 2},
}

var aliases = map[string]string{
	"incidents": "list", "ls": "list", "deadline": "deadlines", "clocks": "deadlines", "fact": "facts",
	"checklist": "steps", "new": "declare", "?": "help", "-h": "help", "--help": "help",
}

func findSpec(name string) *spec {
	if a, ok := aliases[name]; ok {
		name = a
	}
	for _, s := range specs {
		if s.name == name {
			return s
		}
	}
	return nil
}

func specNames() []string {
	var out []string
	for _, s := range specs {
		if !strings.Contains(s.name, " ") {
			out = append(out, s.name)
		}
	}
	return append(out, "step", "notice", "regulator")
}
