package main

import (
	"encoding"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/breachbot/breachbot/internal/diag"
)

// decodeConfigFile reads the YAML of the config file path into cfg and
// returns every problem it found, each as "path:line: what is wrong" in
// plain words (never Go type names), with "did you mean" for a misspelt
// key. Keys are the yaml tags of Config's fields, so a field added to
// Config is read (and checked) without a change here.
func decodeConfigFile(path string, data []byte, cfg *Config) []string {
	d := &configDecoder{file: path, lines: map[string]int{}}
	cfg.lines = d.lines
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []string{d.syntax(err)}
	}
	if len(doc.Content) == 0 {
		return nil // an empty file: the defaults
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		if root.Tag == "!!null" {
			return nil // only comments
		}
		return []string{d.at(root, "the config must be keys with values, one a line, like db: /var/lib/breachbot/breachbot.db")}
	}
	d.mapping(root, reflect.ValueOf(cfg).Elem(), "")
	return d.problems
}

type configDecoder struct {
	file     string
	problems []string
	// lines is where each key was given ("roles.legal": 5).
	lines map[string]int
}

func (d *configDecoder) at(n *yaml.Node, msg string) string {
	return fmt.Sprintf("%s:%d: %s", d.file, n.Line, msg)
}

func (d *configDecoder) add(n *yaml.Node, format string, args ...any) {
	d.problems = append(d.problems, d.at(n, fmt.Sprintf(format, args...)))
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax turns a YAML syntax error into "file:line: message".
func (d *configDecoder) syntax(err error) string {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s: %s (check the indentation, and quote values that hold a colon or start with [ { * & ! | > ' \" %% @)", d.file, m[1], m[2])
	}
	return fmt.Sprintf("%s: %s", d.file, strings.TrimPrefix(msg, "yaml: "))
}

// secretKeys are keys people write that the config file must not hold.
var secretKeys = map[string]string{
	"slack_bot_token": "SLACK_BOT_TOKEN", "slack_signing_secret": "SLACK_SIGNING_SECRET", "slack_app_token": "SLACK_APP_TOKEN",
	"smtp_password": "SMTP_PASSWORD (or smtp_password_file: naming a file)", "encryption_key": "BREACHBOT_ENCRYPTION_KEY (or encryption_key_file: naming a file)",
	"github_token": "GITHUB_TOKEN", "github_webhook_secret": "GITHUB_WEBHOOK_SECRET",
}

// mapping decodes the keys of n into the struct v.
func (d *configDecoder) mapping(n *yaml.Node, v reflect.Value, prefix string) {
	fields := map[string]int{}
	var names []string
	for i := range v.NumField() {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" || !v.Type().Field(i).IsExported() {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := prefix + k.Value
		idx, ok := fields[k.Value]
		switch {
		case ok && seen[k.Value]:
			d.add(k, "%s is given twice; keep one", key)
			continue
		case ok:
		case secretKeys[k.Value] != "" && prefix == "":
			d.add(k, "%s is a secret, and secrets never come from the config file: set %s in the environment", key, secretKeys[k.Value])
			continue
		default:
			msg := fmt.Sprintf("unknown key %q", key)
			if s := diag.Suggest(k.Value, names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", prefix+s)
			} else {
				sorted := slices.Sorted(slices.Values(names))
				msg += "; known keys: " + strings.Join(sorted, ", ")
			}
			d.add(k, "%s", msg)
			continue
		}
		seen[k.Value] = true
		d.lines[key] = k.Line
		d.value(val, v.Field(idx), key)
	}
}

// value decodes one value into the field f, named key in messages.
func (d *configDecoder) value(n *yaml.Node, f reflect.Value, key string) {
	if n.Tag == "!!null" {
		return // "key:" with nothing: the default
	}
	kind := f.Kind()
	if custom(f) {
		kind = reflect.Invalid // it reads itself (time.Time, a yaml.Unmarshaler)
	}
	switch kind {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.add(n, "%s must be keys with values, one a line below it, like\n    %s:\n      name: Acme Corp", key, key)
			return
		}
		d.mapping(n, f, key+".")
		return
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.add(n, "%s must be keys with values, like %s", key, mapExample(key))
			return
		}
		m := reflect.MakeMap(f.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			d.lines[key+"."+k.Value] = k.Line
			elem := reflect.New(f.Type().Elem()).Elem()
			if val.Tag != "!!null" && val.Decode(elem.Addr().Interface()) != nil {
				d.add(val, "%s.%s must be %s", key, k.Value, elemExample(key, f.Type().Elem()))
				continue
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), elem)
		}
		f.Set(m)
		return
	}
	if err := n.Decode(f.Addr().Interface()); err != nil {
		d.add(n, "%s must be %s", key, elemExample(key, f.Type()))
	}
}

// custom reports whether the field's type decodes itself from YAML.
func custom(f reflect.Value) bool {
	p := f.Addr().Interface()
	_, unmarshaler := p.(yaml.Unmarshaler)
	_, text := p.(encoding.TextUnmarshaler)
	return unmarshaler || text
}

// examples of values, by key, for the messages.
var configExamples = map[string]string{
	"roles":            "a list of Slack ids, like [U01ABC, S02DEF]",
	"permissions":      "a list of roles, like [leads, legal]",
	"users":            "an e-mail address, like lead@acme.example",
	"smtp_connections": "a whole number, like 4",
	"notice_window":    "a whole number, like 32",
	"import_max_bytes": "a whole number of bytes, like 2147483648",
	"smtp_rate":        "a number of messages per second, like 50",
	"smtp_timeout":     "a duration, like 60s",
	"retention":        "a duration, like 90d",
	"board_refresh":    "a duration, like 5m",
}

func elemExample(key string, t reflect.Type) string {
	root, _, _ := strings.Cut(key, ".")
	if e, ok := configExamples[root]; ok {
		return e
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a single value (text), not a list or keys"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, like 4"
	case reflect.Float32, reflect.Float64:
		return "a number, like 2.5"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list, like [a, b]"
	}
	return "a value of another form (see README.md, Configuration)"
}

func mapExample(key string) string {
	switch key {
	case "roles":
		return "roles: {responders: [S01ONCALL], leads: [U01LEAD], legal: [U02DPO]}"
	case "permissions":
		return "permissions: {export: [legal]}"
	case "users":
		return "users: {U01LEAD: lead@acme.example}"
	}
	return key + ": {KEY: VALUE}"
}
