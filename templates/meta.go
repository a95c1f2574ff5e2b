package templates

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// metaFile is the name of a template's description file.
const metaFile = "meta.yaml"

// metaKeys are the keys meta.yaml may have.
var metaKeys = []string{"description", "default_locale", "regimes"}

// meta is what meta.yaml says about a template.
type meta struct {
	description   string
	defaultLocale string
	regimes       []string
	// Positions (1-based line and column) of default_locale's value, for
	// problems found once the locales are known.
	localeLine, localeCol int
}

// parseMeta parses a meta.yaml. display names the file in problems.
func parseMeta(display string, data []byte) (meta, Problems) {
	m := meta{defaultLocale: "en", localeLine: 1, localeCol: 1}
	var probs Problems
	at := func(n *yaml.Node, format string, args ...any) {
		probs = append(probs, Problem{File: display, Line: n.Line, Col: n.Column, Message: fmt.Sprintf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return m, Problems{yamlProblem(display, data, err)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return m, Problems{{File: display, Line: 1, Col: 1, Message: "empty; write description, default_locale and regimes"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		at(root, "want a mapping with description, default_locale and regimes")
		return m, probs
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			at(k, "want a key (one of %s)", strings.Join(metaKeys, ", "))
			continue
		}
		if !slices.Contains(metaKeys, k.Value) {
			if s := suggest(k.Value, metaKeys); s != "" {
				at(k, "unknown key %q, did you mean %s?", k.Value, s)
			} else {
				at(k, "unknown key %q; meta.yaml has %s", k.Value, strings.Join(metaKeys, ", "))
			}
			continue
		}
		if seen[k.Value] {
			at(k, "%s is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		if v.Kind == yaml.AliasNode {
			at(v, "aliases are not allowed in meta.yaml")
			continue
		}
		switch k.Value {
		case "description":
			if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
				at(v, "description must be a text saying what the template is for")
				continue
			}
			m.description = strings.TrimSpace(v.Value)
		case "default_locale":
			if v.Kind != yaml.ScalarNode || !localeRE.MatchString(v.Value) {
				at(v, "default_locale must be a locale such as en or de-AT")
				continue
			}
			m.defaultLocale, m.localeLine, m.localeCol = v.Value, v.Line, v.Column
		case "regimes":
			if v.Kind != yaml.SequenceNode {
				at(v, "regimes must be a list such as [california, gdpr, hipaa]")
				continue
			}
			for _, r := range v.Content {
				if r.Kind != yaml.ScalarNode {
					at(r, "want a regime name (one of %s)", strings.Join(regimeNames(), ", "))
					continue
				}
				if _, ok := regimeByName(r.Value); !ok {
					if s := suggest(r.Value, regimeNames()); s != "" {
						at(r, "unknown regime %q, did you mean %s?", r.Value, s)
					} else {
						at(r, "unknown regime %q; known regimes are %s", r.Value, strings.Join(regimeNames(), ", "))
					}
					continue
				}
				if slices.Contains(m.regimes, r.Value) {
					at(r, "regime %s is listed twice", r.Value)
					continue
				}
				m.regimes = append(m.regimes, r.Value)
			}
		}
	}
	if !seen["description"] {
		at(root, "description is missing; say what the template is for")
	}
	return m, probs
}

// yamlProblem turns a YAML syntax error into a problem at its line. yaml.v3
// reports the line where the enclosing block began, so the line is found as
// the first whose prefix of data fails with the same error.
func yamlProblem(display string, data []byte, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if _, after, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
		msg = after
	}
	line, end := 1, 0
	for rest := string(data); rest != ""; line++ {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		end += i + 1
		rest = rest[i+1:]
		var n yaml.Node
		if e := yaml.Unmarshal(data[:end], &n); e != nil && strings.HasSuffix(e.Error(), msg) {
			break
		}
	}
	if strings.Contains(msg, "end of stream") {
		msg += " (is a quote or bracket not closed?)"
	}
	return Problem{File: display, Line: line, Col: 1, Message: "invalid YAML: " + msg}
}
