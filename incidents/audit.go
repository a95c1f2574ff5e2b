package incidents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one append-only entry of the audit log: a state change, a
// decision, or a refusal. Details never hold personal data of affected
// people: counts, ids and hashes only. Entries are chained: Hash covers the
// entry and the previous entry's hash, so an edit or deletion anywhere
// breaks the chain from that point.
type AuditEntry struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Incident string    `json:"incident,omitempty"`
	// Outcome is "ok", or "refused" for an action a person was not allowed
	// to take or that the incident's state did not allow.
	Outcome string            `json:"outcome"`
	Details map[string]string `json:"details,omitempty"`
	Prev    string            `json:"prev"`
	Hash    string            `json:"hash"`
}

// Audit outcomes.
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused"
)

// ComputeHash returns the hex SHA-256 of the entry's canonical JSON encoding
// with Hash empty; Prev is part of what is hashed.
func (e AuditEntry) ComputeHash() string {
	e.Hash = ""
	e.At = e.At.UTC()
	b, err := json.Marshal(e) // map keys are sorted: the encoding is canonical
	if err != nil {
		panic(fmt.Sprintf("audit entry cannot be encoded: %v", err)) // only strings and times: unreachable
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditBreak describes the first entry where the chain does not verify.
type AuditBreak struct {
	Seq    uint64 `json:"seq"`
	Reason string `json:"reason"`
}

// ChainVerifier checks audit entries one at a time, in order, so a log of
// any size is verified in constant memory.
type ChainVerifier struct {
	// Head is the recorded head of the log, if known before the walk: it
	// lets End tell entries added after the head from entries removed.
	Head string

	prev    string
	lastSeq uint64
	// headSeq and headCount are the entry whose hash is Head, and how many
	// entries had verified up to it.
	headSeq   uint64
	headCount int
	// Count is how many entries verified.
	Count int
}

// Check verifies the next entry and returns a break, or nil.
func (v *ChainVerifier) Check(e AuditEntry) *AuditBreak {
	switch {
	case e.Seq != v.lastSeq+1:
		if v.lastSeq == 0 {
			return &AuditBreak{Seq: e.Seq, Reason: fmt.Sprintf("the log starts at entry %d, not 1: earlier entries are missing", e.Seq)}
		}
		return &AuditBreak{Seq: e.Seq, Reason: fmt.Sprintf("the entry after entry %d is numbered %d: entries were removed, reordered or renumbered", v.lastSeq, e.Seq)}
	case e.Prev != v.prev:
		return &AuditBreak{Seq: e.Seq, Reason: "its link to the previous entry does not match (an entry before it was changed or removed)"}
	case e.ComputeHash() != e.Hash:
		return &AuditBreak{Seq: e.Seq, Reason: "its content does not match its hash (it was changed after it was written)"}
	}
	v.prev, v.lastSeq = e.Hash, e.Seq
	v.Count++
	if v.Head != "" && e.Hash == v.Head {
		v.headSeq, v.headCount = e.Seq, v.Count
	}
	return nil
}

// End checks the recorded head of the log against the last entry seen: a
// mismatch means entries were removed from the end or, when Head named an
// earlier entry, added after it. Entries after the head do not count as
// verified.
func (v *ChainVerifier) End(head string) *AuditBreak {
	if head == v.prev {
		return nil
	}
	if v.headSeq > 0 && head == v.Head {
		v.Count = v.headCount
		return &AuditBreak{Seq: v.headSeq + 1, Reason: fmt.Sprintf("entry %d was added after the recorded head (entry %d), not by breachbot: the log should end at entry %d", v.headSeq+1, v.headSeq, v.headSeq)}
	}
	return &AuditBreak{Seq: v.lastSeq + 1, Reason: fmt.Sprintf("the log ends at entry %d but its recorded head is not that entry: entries were removed from the end", v.lastSeq)}
}

var errStopVerify = errors.New("stop")

// AuditDecodeError is returned by Tx.AuditLog for a stored entry that cannot
// be decoded: its bytes were changed outside breachbot.
type AuditDecodeError struct {
	Seq uint64
	Err error
}

func (e *AuditDecodeError) Error() string {
	return fmt.Sprintf("decode audit entry %d: %v", e.Seq, e.Err)
}

func (e *AuditDecodeError) Unwrap() error { return e.Err }

// VerifyAudit checks the whole audit chain and returns how many entries
// verified and the first break, if any.
func (s *Service) VerifyAudit(ctx context.Context) (int, *AuditBreak, error) {
	var res AuditVerification
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		res, err = verifyChain(tx)
		return err
	})
	return res.Verified, res.Break, err
}

// AuditVerification is the result of checking the whole audit chain, as an
// export states it: an auditor can later compare HeadHash with the log.
type AuditVerification struct {
	// Intact is true when every entry verified and the recorded head is
	// the last entry.
	Intact bool `json:"intact"`
	// Verified is how many entries verified before the first break.
	Verified int `json:"entries_verified"`
	// Break is the first entry that does not verify, if any.
	Break *AuditBreak `json:"break,omitempty"`
	// HeadHash is the hash of the last entry as recorded in the store.
	HeadHash string `json:"head_hash"`
}

// verifyChain checks the whole audit chain inside tx.
func verifyChain(tx Tx) (AuditVerification, error) {
	var (
		v   ChainVerifier
		brk *AuditBreak
	)
	v.Head = tx.AuditHead()
	err := tx.AuditLog("", func(e AuditEntry) error {
		if brk = v.Check(e); brk != nil {
			return errStopVerify
		}
		return nil
	})
	var bad *AuditDecodeError
	switch {
	case errors.As(err, &bad):
		brk = &AuditBreak{Seq: bad.Seq, Reason: "it cannot be read (its bytes were changed outside breachbot)"}
	case err != nil && !errors.Is(err, errStopVerify):
		return AuditVerification{}, err
	case brk == nil:
		brk = v.End(v.Head)
	}
	return AuditVerification{Intact: brk == nil, Verified: v.Count, Break: brk, HeadHash: v.Head}, nil
}

// Record is an incident's record for regulators: the incident with its
// obligations and steps, the playbook it ran, and its audit trail.
type Record struct {
	Incident *Incident `json:"incident"`
	// Company is the controller as configured (company: in breachbot.yaml):
	// who notifies, and its contact point.
	Company    Company      `json:"company"`
	Playbook   PlaybookPin  `json:"playbook"`
	Disclaimer string       `json:"disclaimer,omitempty"`
	Titles     []RuleTitle  `json:"obligation_titles"`
	Timeline   []AuditEntry `json:"timeline"`
	// Notices are the incident's notices: approvals, test and send totals,
	// and the approved text of each locale with the placeholder person's
	// name and address replaced by markers (no recipient's data).
	Notices    []*Notice `json:"notices,omitempty"`
	ExportedAt time.Time `json:"exported_at"`
	ExportedBy string    `json:"exported_by"`
	// Audit is the whole audit chain's verification, done in the export's
	// transaction after its own entry was written: HeadHash is the hash
	// of that entry when the chain is intact.
	Audit AuditVerification `json:"audit_verification"`
}

// RuleTitle names an obligation and the law behind it, for the record.
type RuleTitle struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Citation string `json:"citation"`
	Notify   string `json:"notify"`
	Deadline string `json:"deadline"`
	Status   string `json:"status"`
	// DueZone is the IANA zone the law's deadline is reckoned in ("" for UTC).
	DueZone string `json:"due_zone,omitempty"`
}

// Export returns an incident's record and audits that it was exported.
func (s *Service) Export(ctx context.Context, actor, id string) (*Record, error) {
	var rec Record
	err := s.do(ctx, actor, ActExport, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, true)
		if err != nil {
			return err
		}
		if err := s.audit(t, actor, "incident.exported", inc, nil); err != nil {
			return err
		}
		rec = Record{Incident: inc, Company: s.company, Playbook: inc.Playbook, Disclaimer: pb.Catalog.Disclaimer, ExportedAt: t.now, ExportedBy: actor}
		for _, r := range pb.Obligations {
			rec.Titles = append(rec.Titles, RuleTitle{ID: r.ID, Title: r.Regulation.Title, Citation: r.Regulation.Citation,
				Notify: r.Regulation.Notify, Deadline: r.Regulation.Deadline.String(), Status: r.Regulation.Status,
				DueZone: r.Regulation.DueZone()})
		}
		err = t.Notices(inc.ID, func(n *Notice) error {
			n.Previews = approvedTexts(n)
			rec.Notices = append(rec.Notices, n)
			return nil
		})
		if err != nil {
			return err
		}
		err = t.AuditLog(inc.ID, func(e AuditEntry) error {
			rec.Timeline = append(rec.Timeline, e)
			return nil
		})
		if err != nil {
			return err
		}
		rec.Audit, err = verifyChain(t)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// Markers stand in the record for the placeholder person's name and
// address in a notice's approved text.
const (
	RecipientNameMarker  = "[recipient's name]"
	RecipientEmailMarker = "[recipient's e-mail address]"
)

// approvedTexts returns an approved notice's previews, rendered for the
// placeholder person, with that person's name and address replaced by
// markers: the approved text each locale's recipients received. A notice
// never approved has none.
func approvedTexts(n *Notice) []NoticePreview {
	if n.Approval == nil {
		return nil
	}
	out := make([]NoticePreview, 0, len(n.Previews))
	for _, p := range n.Previews {
		who := PlaceholderRecipient(p.Locale, n.Data.Incident.DataCategories)
		r := strings.NewReplacer(who.Email, RecipientEmailMarker, who.Name, RecipientNameMarker)
		out = append(out, NoticePreview{Locale: p.Locale, Subject: r.Replace(p.Subject), Text: r.Replace(p.Text)})
	}
	return out
}
