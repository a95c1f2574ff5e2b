package incidents

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// noticeRegulations lists the regulations that require telling the people
// affected and apply to the incident (their catalog ids).
func noticeRegulations(inc *Incident, pb *Playbook) []string {
	var out []string
	for _, o := range inc.Obligations {
		if o.Applies != Applies {
			continue
		}
		for _, r := range pb.Obligations {
			if r.ID == o.ID && setsNoticeContent(r.Regulation) && !slices.Contains(out, r.Regulation.ID) {
				out = append(out, r.Regulation.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

// setsNoticeContent reports whether a regulation tells people affected and
// says what their notice must contain.
func setsNoticeContent(reg Regulation) bool {
	notify := strings.ToLower(reg.Notify)
	return (len(reg.Content) > 0 || reg.Notice != nil) && (strings.Contains(notify, "affected") || strings.Contains(notify, "individual") ||
		strings.Contains(notify, "resident") || strings.Contains(notify, "people") || strings.Contains(notify, "data subject"))
}

// UnsettledContent is a rule that would add content to a notice, for people
// the notice goes to, but whose condition needs facts still unknown (GDPR
// Art. 34(2) while high_risk is unknown). Until the facts are recorded the
// notice cannot be submitted: a missing fact must not silently shorten it,
// and only a recorded "no" removes the content.
type UnsettledContent struct {
	// Regulation is the catalog id, e.g. "gdpr-art34"; Title and Citation
	// name it for people.
	Regulation string
	Title      string
	Citation   string
	// Facts are the facts that would settle whether it applies.
	Facts []string
	// Adds is what the rule's notice must contain, if it applies.
	Adds []string
	// People is how many of the notice's recipients are in its jurisdiction
	// (or of unknown jurisdiction).
	People int64
}

// unsettledContent lists the content rules that need facts and concern
// people in counts (recipients per jurisdiction); recipients of unknown
// jurisdiction may be anywhere, so they concern every rule.
func unsettledContent(inc *Incident, pb *Playbook, counts map[string]int64) []UnsettledContent {
	var out []UnsettledContent
	for _, o := range inc.Obligations {
		if o.Applies != NeedsFacts || o.Status == ObligationWaived {
			continue
		}
		for _, r := range pb.Obligations {
			if r.ID != o.ID || !setsNoticeContent(r.Regulation) {
				continue
			}
			var people int64
			for place, n := range counts {
				if place == JurisdictionUnknown || r.Regulation.Jurisdiction == "" || jurisdictionMatch(place, r.Regulation.Jurisdiction, pb.Groups) {
					people += n
				}
			}
			if people == 0 {
				continue
			}
			u := UnsettledContent{Regulation: r.Regulation.ID, Title: r.Regulation.Title, Citation: r.Regulation.Citation,
				Adds: contentWords(r.Regulation), People: people}
			for _, m := range o.Missing {
				if i := strings.IndexAny(m, ". "); i > 0 {
					m = m[:i]
				}
				if !slices.Contains(u.Facts, m) {
					u.Facts = append(u.Facts, m)
				}
			}
			out = append(out, u)
		}
	}
	return out
}

// contentUnsettled returns the refusal of a notice whose content rules are
// not settled: facts still unknown, or rules that came to apply after it was
// drafted. It returns nil when the notice may go ahead.
func contentUnsettled(inc *Incident, pb *Playbook, n *Notice) error {
	if u := unsettledContent(inc, pb, n.Recipients.Counts); len(u) > 0 {
		var facts, rules []string
		for _, c := range u {
			rules = append(rules, c.Regulation)
			for _, f := range c.Facts {
				if !slices.Contains(facts, f) {
					facts = append(facts, f)
				}
			}
		}
		return Errorf(EINVALID, "notice %s cannot be submitted: whether it must carry the content of %s depends on %s, which is not recorded",
			n.ID, strings.Join(rules, ", "), strings.Join(facts, ", ")).
			WithHint("record it (/breach facts %s=yes or =no), then /breach notice draft again; only a recorded no leaves that content out", facts[0])
	}
	for _, id := range noticeRegulations(inc, pb) {
		if !slices.Contains(n.Data.Notice.Regulations, id) {
			return Errorf(EINVALID, "notice %s was drafted before %s applied, so it may lack content that rule requires", n.ID, id).
				WithTry("notice draft").WithHint("again: the new draft is checked against %s", id)
		}
	}
	return nil
}

// bindingBroken says why a notice no longer matches what it was drafted
// for ("" if it still does): the incident's recipient list or a template
// file changed.
func (s *Service) bindingBroken(inc *Incident, n *Notice) string {
	if inc.Recipients == nil || inc.Recipients.ID != n.Recipients.ID || inc.Recipients.Hash != n.Recipients.Hash {
		now := "none"
		if inc.Recipients != nil {
			now = inc.Recipients.ID
		}
		return fmt.Sprintf("the recipient list changed since it was drafted (drafted for %s, now %s)", n.Recipients.ID, now)
	}
	for _, loc := range sortedKeys(n.TemplateHashes) {
		h, err := s.renderer.Hash(n.Template, loc)
		if err != nil {
			return fmt.Sprintf("template %s (%s) can no longer be read: %s", n.Template, loc, ErrorMessage(err))
		}
		if h != n.TemplateHashes[loc] {
			return fmt.Sprintf("template %s (%s) changed since it was drafted", n.Template, loc)
		}
	}
	if n.Approval != nil && (n.Approval.ContentHash != n.ContentHash || n.Approval.RecipientsHash != n.Recipients.Hash) {
		return "the approved content or recipient list is not the notice's"
	}
	return ""
}

// contentNowMissing says why a submitted or approved notice can no longer
// be sent: a variant lacks content its laws require that, when it was
// drafted, was not asked for (a notice stored before the law-enforcement
// delay was a decision says nothing of it, where it used to say "not
// delayed"). Without this its people would fail at send time, "not
// rendered". "" if every variant is complete, and for drafts, whose
// missing content is named when they are drafted.
func contentNowMissing(n *Notice) string {
	if n.State == NoticeDraft {
		return ""
	}
	for _, v := range n.Variants {
		miss := n.DataFor(v.Locale).MissingFor(v.Recipient())
		if len(miss) == 0 {
			continue
		}
		people := fmt.Sprintf("%d people", v.People)
		if v.People == 1 {
			people = "1 person"
		}
		cite := ""
		if miss[0].Citation != "" {
			cite = " (" + miss[0].Citation + ")"
		}
		return fmt.Sprintf("%s in %s would get a notice without %s%s, which it must carry: add %s", people, v.Where(), miss[0].What, cite, MissingFix(miss[0].Field))
	}
	return ""
}

// contentWords says what a regulation's notice must contain: its content
// list, else its notice rules (their text, or item, with the citation).
func contentWords(reg Regulation) []string {
	if len(reg.Content) > 0 || reg.Notice == nil {
		return slices.Clone(reg.Content)
	}
	var out []string
	for _, r := range reg.Notice.Require {
		w := r.Text
		if w == "" {
			w = strings.ReplaceAll(r.Item, "_", " ")
		}
		out = append(out, w+" ("+r.Citation+")")
	}
	for _, r := range reg.Notice.Forbid {
		out = append(out, "not "+strings.ReplaceAll(r.Item, "_", " ")+" ("+r.Citation+")")
	}
	return out
}

// lawsChanged says how the notice rules or agency contacts of a notice's
// laws now differ from what it was drafted with ("" if they do not): the
// incident's playbook was upgraded to a catalog that changed a rule or a
// contact's details, so what legal approved is no longer what the laws ask.
func lawsChanged(inc *Incident, pb *Playbook, n *Notice) string {
	if len(n.Data.Notice.Laws) == 0 {
		return "" // drafted before notices recorded their laws
	}
	laws, contacts := noticeLaws(inc, pb)
	var changed []string
	for _, old := range n.Data.Notice.Laws {
		i := slices.IndexFunc(laws, func(l NoticeLaw) bool { return l.Regulation == old.Regulation })
		if i >= 0 && !reflect.DeepEqual(laws[i].Rules, old.Rules) {
			changed = append(changed, "the notice rules of "+old.Regulation)
		}
	}
	for _, old := range n.Data.Notice.Contacts {
		i := slices.IndexFunc(contacts, func(c Contact) bool { return c.ID == old.ID })
		if i >= 0 && contacts[i] != old {
			changed = append(changed, "the contact details of "+old.ID)
		}
	}
	if len(changed) == 0 {
		return ""
	}
	return strings.Join(changed, " and ") + " changed since it was drafted (playbook upgraded)"
}
