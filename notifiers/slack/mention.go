package slack

import (
	"context"

	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// slackUserID matches what Slack user ids look like (U…, W… for
// Enterprise Grid): only those become mentions, never a console name or
// "breachbot".
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// mentioner rewrites, in escaped mrkdwn, each whole word that is the id of
// one of the people a reply names into a mention (<@U…>). Text typed by a
// person stays escaped: only the ids the bot itself put in Reply.People
// become mentions.
type mentioner struct {
	re  *regexp.Regexp
	ids []string // the ids, to skip the regexp for a text naming none of them
}

func newMentioner(people []string) mentioner {
	var ids []string
	for _, p := range people {
		if slackUserID.MatchString(p) && !slices.Contains(ids, p) {
			ids = append(ids, p) // an id has no regexp metacharacters (slackUserID)
		}
	}
	if len(ids) == 0 {
		return mentioner{}
	}
	// Longest first, so U0AB never eats part of U0ABC.
	slices.SortFunc(ids, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return mentioner{re: mentionRegexp(strings.Join(ids, "|")), ids: ids}
}

// mentionRegexps keeps the compiled regexp of each set of people recently
// rendered (a reply compiled one for every block it rendered: a tenth of
// rendering a board). It is emptied when it holds mentionRegexpsMax sets.
var mentionRegexps struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

const mentionRegexpsMax = 256

// mentionRegexp returns the regexp matching any of alternatives (ids
// joined by "|", longest first) as a whole word.
func mentionRegexp(alternatives string) *regexp.Regexp {
	mentionRegexps.Lock()
	defer mentionRegexps.Unlock()
	if re, ok := mentionRegexps.m[alternatives]; ok {
		return re
	}
	if len(mentionRegexps.m) >= mentionRegexpsMax || mentionRegexps.m == nil {
		mentionRegexps.m = map[string]*regexp.Regexp{}
	}
	re := regexp.MustCompile(`(^|[^A-Za-z0-9@#|_-])(` + alternatives + `)\b`)
	mentionRegexps.m[alternatives] = re
	return re
}

// mayName reports whether s contains one of the ids at all: most texts of a
// reply name nobody, and the regexp costs far more than this.
func (m mentioner) mayName(s string) bool {
	return m.re != nil && slices.ContainsFunc(m.ids, func(id string) bool { return strings.Contains(s, id) })
}

// names reports whether s names one of the people.
func (m mentioner) names(s string) bool { return m.mayName(s) && m.re.MatchString(s) }

func (m mentioner) apply(s string) string {
	if !m.mayName(s) {
		return s
	}
	return m.re.ReplaceAllString(s, "$1<@$2>")
}

// incidentPeople are the people an incident's checklist and board name:
// who declared it, did or waived steps, met or waived obligations.
func incidentPeople(inc *incidents.Incident) []string {
	if inc == nil {
		return nil
	}
	out := []string{inc.LeadUser(), inc.DeclaredBy}
	for _, st := range inc.Steps {
		out = append(out, st.By)
	}
	for _, o := range inc.Obligations {
		out = append(out, o.MetBy, o.WaivedBy)
	}
	return compactPeople(out)
}

// notificationPeople are the people a notification names.
func notificationPeople(n incidents.Notification) []string {
	out := []string{n.Actor}
	if n.Notice != nil {
		out = append(out, n.Notice.DraftedBy, n.Notice.SubmittedBy)
	}
	return compactPeople(out)
}

func compactPeople(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && x != systemActor && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// addPeople sets the people a command's reply may name: those of its
// incident and everyone with a role (who approved, who is asked), so they
// are shown as mentions. If the incident cannot be read its people stay
// plain ids.
func (b *Bot) addPeople(ctx context.Context, rep *commands.Reply) {
	if rep.People != nil {
		return
	}
	var people []string
	if rep.Incident != "" {
		if res, err := b.read(ctx, rep.Incident); err == nil {
			people = incidentPeople(res.Incident)
		} else if incidents.ErrorCode(err) != incidents.ENOTFOUND {
			b.log.Warn("slack: incident not read; people shown as ids", "incident", rep.Incident, "err", err)
		}
	}
	for _, role := range []string{incidents.RoleLeads, incidents.RoleLegal, incidents.RoleResponders} {
		people = append(people, b.dir.Members(role)...)
	}
	rep.People = compactPeople(people)
}
