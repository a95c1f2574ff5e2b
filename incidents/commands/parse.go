// Package commands is the /breach grammar: it parses a line of text as
// typed in Slack or the console, calls the incidents Service, and answers
// with a transport-neutral Reply that the console prints as text and the
// Slack adapter renders as Block Kit. ErrorReply is the one way from an
// error to what a person reads: every front end (Slack, the console, the
// admin endpoint, the data commands) calls it, and it logs an internal error
// once, with the reference the reply shows. The same grammar runs the
// shell's data commands (Router.RunData: export, audit verify, notice
// import|lookup|purge), and Console is the local console: its session of
// typed lines and its rendering of what the outbox delivers.
package commands

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/breachbot/breachbot/incidents"
)

// Command is a parsed /breach line.
type Command struct {
	// Name is the subcommand, e.g. "declare" or "step done".
	Name string
	// Args are the positional words after the subcommand.
	Args []string
	// Flags are --name value options; Bools are --name switches.
	Flags map[string]string
	Bools map[string]bool
}

// maxLine bounds what is parsed; Slack limits slash commands to 4,000 bytes.
const maxLine = 8000

// tokenize splits a line into words, honouring "double", 'single' and the
// typographic quotes that Slack and phones substitute (“ ” ‘ ’), and
// backslash escapes inside double quotes.
func tokenize(s string) ([]string, error) {
	var (
		out   []string
		cur   strings.Builder
		inTok bool
		quote rune // closing quote we are inside, or 0
		start int  // rune offset of the open quote, for the message
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == quote || (quote == '”' && r == '"') || (quote == '"' && r == '”') {
				quote = 0
				continue
			}
			if r == '\\' && quote == '"' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\') {
				i++
				r = rs[i]
			}
			cur.WriteRune(r)
		case r == '"' || r == '“' || r == '”':
			quote, start, inTok = '"', i, true
			if r == '“' {
				quote = '”'
			}
		case r == '\'' || r == '‘':
			// An apostrophe inside a word (don't) is not a quote.
			if inTok && r == '\'' {
				cur.WriteRune(r)
				continue
			}
			quote, start, inTok = '\'', i, true
			if r == '‘' {
				quote = '’'
			}
		case unicode.IsSpace(r):
			if inTok {
				out = append(out, cur.String())
				cur.Reset()
				inTok = false
			}
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if quote != 0 {
		return nil, incidents.Errorf(incidents.EINVALID, "a quote opened at character %d is never closed", start+1).
			WithHint("close the quote, or leave quotes out: /breach declare Customer DB exposed")
	}
	if inTok {
		out = append(out, cur.String())
	}
	return out, nil
}

// normalizeFlag turns the dashes that autocorrect produces (— –) into "--".
func normalizeFlag(w string) (string, bool) {
	for _, p := range []string{"--", "—", "–"} {
		if rest, ok := strings.CutPrefix(w, p); ok && rest != "" && unicode.IsLetter([]rune(rest)[0]) {
			return rest, true
		}
	}
	return "", false
}

// timeFlags take a time, which may be written unquoted as "2h ago".
var timeFlags = map[string]bool{"aware": true, "at": true}

// Parse parses the text of a /breach command (with or without the leading
// "/breach"). Errors say what was wrong and what to type instead.
func Parse(text string) (Command, error) {
	if len(text) > maxLine {
		return Command{}, incidents.Errorf(incidents.EINVALID, "the command is %d characters long; the limit is %d", len(text), maxLine)
	}
	words, err := tokenize(text)
	if err != nil {
		return Command{}, err
	}
	if len(words) > 0 && strings.EqualFold(words[0], "/breach") {
		words = words[1:]
	}
	if len(words) == 0 {
		return Command{Name: "help", Flags: map[string]string{}, Bools: map[string]bool{}}, nil
	}
	sp, rest, err := lookup(words)
	if err != nil {
		return Command{}, err
	}
	return parseArgs(sp, rest)
}

// parseArgs parses the words after a subcommand by its spec sp: flags,
// switches and positional arguments.
func parseArgs(sp *spec, rest []string) (Command, error) {
	c := Command{Name: sp.name, Flags: map[string]string{}, Bools: map[string]bool{}}
	for i := 0; i < len(rest); i++ {
		w := rest[i]
		name, isFlag := normalizeFlag(w)
		if !isFlag {
			c.Args = append(c.Args, w)
			continue
		}
		name, val, hasVal := strings.Cut(name, "=")
		name = strings.ToLower(name)
		switch {
		case slices.Contains(sp.bools, name):
			if hasVal {
				return Command{}, incidents.Errorf(incidents.EINVALID, "--%s is a switch and takes no value", name).WithHint("usage: %s", sp.usage)
			}
			c.Bools[name] = true
		case slices.Contains(sp.answers, name):
			if !hasVal {
				val = "yes"
				if i+1 < len(rest) {
					if _, _, err := incidents.ParseDecision(rest[i+1]); err == nil && strings.TrimSpace(rest[i+1]) != "" {
						i++
						val = rest[i]
					}
				}
			}
			if _, _, err := incidents.ParseDecision(val); err != nil {
				return Command{}, incidents.Errorf(incidents.EINVALID, "--%s takes yes or no, not %q", name, val).
					WithHint("--%s yes, --%s no, or --%s unknown to clear it; usage: %s", name, name, name, sp.usage)
			}
			if _, dup := c.Flags[name]; dup {
				return Command{}, incidents.Errorf(incidents.EINVALID, "--%s is given twice", name).WithHint("usage: %s", sp.usage)
			}
			c.Flags[name] = strings.ToLower(strings.TrimSpace(val))
		case slices.Contains(sp.flags, name) || localizedFlag(sp, name):
			if !hasVal {
				if i+1 >= len(rest) {
					return Command{}, incidents.Errorf(incidents.EINVALID, "--%s needs a value", name).WithHint("usage: %s", sp.usage)
				}
				i++
				val = rest[i]
			}
			if timeFlags[name] {
				// "--aware 2h ago" and "--at 3 hours ago" need no quotes.
				if i+1 < len(rest) && strings.EqualFold(rest[i+1], "ago") {
					val, i = val+" ago", i+1
				} else if i+2 < len(rest) && strings.EqualFold(rest[i+2], "ago") {
					val, i = val+" "+rest[i+1]+" ago", i+2
				}
			}
			if _, dup := c.Flags[name]; dup {
				return Command{}, incidents.Errorf(incidents.EINVALID, "--%s is given twice", name).WithHint("usage: %s", sp.usage)
			}
			c.Flags[name] = val
		default:
			return Command{}, unknownFlag(sp, name)
		}
	}
	if len(c.Args) < sp.minArgs {
		return Command{}, incidents.Errorf(incidents.EINVALID, "%s %s", sp.name, sp.missing).WithHint("usage: %s", sp.usage)
	}
	if sp.maxArgs >= 0 && len(c.Args) > sp.maxArgs {
		return Command{}, incidents.Errorf(incidents.EINVALID, "%s takes %s, but got %q", sp.name, argsWord(sp.maxArgs), strings.Join(c.Args, " ")).
			WithHint("usage: %s (quote text with spaces)", sp.usage)
	}
	return c, nil
}

func argsWord(n int) string {
	switch n {
	case 0:
		return "no words after it"
	case 1:
		return "one word after it"
	}
	return fmt.Sprintf("at most %d words after it", n)
}

func unknownFlag(sp *spec, name string) error {
	var known []string
	for _, f := range sp.flags {
		known = append(known, "--"+f)
	}
	for _, b := range sp.bools {
		known = append(known, "--"+b)
	}
	for _, a := range sp.answers {
		known = append(known, "--"+a+" yes|no")
	}
	e := incidents.Errorf(incidents.EINVALID, "%s has no option --%s", sp.name, name)
	if dym := incidents.DidYouMean(name, append(append(slices.Clone(sp.flags), sp.bools...), sp.answers...), "--"); dym != "" {
		return e.WithHint("%s usage: %s", dym, sp.usage)
	}
	if len(known) == 0 {
		return e.WithHint("it takes no options; usage: %s", sp.usage)
	}
	return e.WithHint("options: %s; usage: %s", strings.Join(known, " "), sp.usage)
}

// lookup finds the subcommand spec for the leading words.
func lookup(words []string) (*spec, []string, error) {
	first := strings.ToLower(words[0])
	if first == "step" || first == "steps" && len(words) > 1 && isStepVerb(words[1]) {
		if len(words) < 2 {
			return nil, nil, incidents.Errorf(incidents.EINVALID, "step needs done or waive").
				WithHint("/breach step done STEP, /breach step waive STEP REASON, or /breach steps to list them")
		}
		name := "step " + strings.ToLower(words[1])
		if sp := findSpec(name); sp != nil {
			return sp, words[2:], nil
		}
		e := incidents.Errorf(incidents.EINVALID, "unknown step action %q", words[1])
		if dym := incidents.DidYouMean(words[1], []string{"done", "waive"}, "/breach step "); dym != "" {
			return nil, nil, e.WithHint("%s /breach step done STEP or /breach step waive STEP REASON", dym)
		}
		return nil, nil, e.WithHint("/breach step done STEP or /breach step waive STEP REASON")
	}
	if first == "notice" || first == "notices" {
		if len(words) < 2 || strings.HasPrefix(words[1], "-") {
			return findSpec("notice status"), words[1:], nil
		}
		if sp := findSpec("notice " + strings.ToLower(words[1])); sp != nil {
			return sp, words[2:], nil
		}
		e := incidents.Errorf(incidents.EINVALID, "unknown notice action %q", words[1])
		if dym := incidents.DidYouMean(words[1], noticeVerbs, "/breach notice "); dym != "" {
			return nil, nil, e.WithHint("%s /breach help notice lists them", dym)
		}
		return nil, nil, e.WithHint("/breach notice %s", strings.Join(noticeVerbs, "|"))
	}
	if first == "regulator" {
		if len(words) > 1 {
			if sp := findSpec("regulator " + strings.ToLower(words[1])); sp != nil {
				return sp, words[2:], nil
			}
		}
		return nil, nil, incidents.Errorf(incidents.EINVALID, "regulator needs %s", strings.Join(regulatorVerbs, ", ")).
			WithHint("/breach regulator draft OBLIGATION (e.g. gdpr-art33); /breach help regulator draft")
	}
	if sp := findSpec(first); sp != nil {
		return sp, words[1:], nil
	}
	e := incidents.Errorf(incidents.EINVALID, "unknown command %q", words[0])
	if dym := incidents.DidYouMean(first, specNames(), "/breach "); dym != "" {
		return nil, nil, e.WithHint("%s /breach help lists every command", dym)
	}
	return nil, nil, e.WithHint("/breach help lists every command")
}

func isStepVerb(w string) bool {
	w = strings.ToLower(w)
	return w == "done" || w == "waive"
}

// localizedFlag reports whether name is one of sp's per-locale flags with a
// locale after a dot: --what-happened.de, --more-info.es-MX.
func localizedFlag(sp *spec, name string) bool {
	base, loc, ok := strings.Cut(name, ".")
	return ok && slices.Contains(sp.localized, base) && localeSuffix.MatchString(loc)
}

// localeSuffix is a locale as typed after a per-locale flag (lower-cased).
var localeSuffix = regexp.MustCompile(`^[a-z]{2,3}([-_][a-z0-9]{2,4})?$`)
