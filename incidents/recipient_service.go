package incidents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// ImportInput describes an affected-people file.
type ImportInput struct {
	// Source names the file for the record (its name, never its content).
	Source string
	// Size is the file's size if known (-1 or 0: unknown); a file over the
	// limit is refused before it is read.
	Size int64
}

// ImportReport says what an import did. It holds no personal data.
type ImportReport struct {
	Set *RecipientSet
	// Previous is the recipient list this one replaced, if any.
	Previous string
	// Rows is the number of data rows read; Imported the distinct people
	// stored; Duplicates rows whose address an earlier row had.
	Rows       int64
	Imported   int64
	Duplicates int64
	// Rejected counts rows with errors; Errors lists the first of them.
	Rejected int64
	Errors   []RowError
	// Dropped names the columns that were not imported.
	Dropped []string
	// Unknown counts people without a country (their jurisdiction is unknown).
	Unknown int64
	// Voided lists notices that can no longer be sent because the list changed.
	Voided []string
	// Replaced holds, for each fact the import changed that had a value
	// before, that earlier value (with who recorded it and when).
	Replaced map[string]Fact
	// Result is the incident with its recomputed obligations.
	Result *Result
}

// maxReportedRowErrors bounds the per-row report.
const maxReportedRowErrors = 100

// ImportRecipients reads affected people from a CSV file and makes them the
// incident's recipient list. It reads in constant memory and writes in
// batched transactions into a staging list; only the final transaction
// makes it the incident's list (and records the counts as facts,
// recomputing obligations), so a failed or interrupted import leaves the
// previous list and the incident as they were.
//
// Memory does not grow with the file: the rows go, encrypted, to a working
// file (see importbulk.go), are de-duplicated there by sorting the keyed
// hashes of their addresses, and are then written in key order.
func (s *Service) ImportRecipients(ctx context.Context, actor, id string, src io.Reader, in ImportInput) (*ImportReport, error) {
	imp, err := s.openImport(ctx, actor, id, src, in)
	if err != nil {
		return nil, err
	}
	if err := imp.stage(ctx); err != nil {
		return nil, err
	}
	s.imports.Store(imp.set.ID, struct{}{})
	defer s.imports.Delete(imp.set.ID)
	committed := false
	defer func() {
		if !committed {
			imp.discard(ctx)
		}
	}()
	if err := imp.stream(ctx); err != nil {
		return nil, err
	}
	if err := imp.commit(ctx); err != nil {
		return nil, err
	}
	committed = true
	return imp.rep, nil
}

// recipientImport is one import of affected people, in phases: stage
// starts a staging list, stream reads the file into it in batched
// transactions, and commit makes it the incident's list in one more
// transaction (discard removes the staging list when it never gets there).
type recipientImport struct {
	s         *Service
	actor, id string
	in        ImportInput
	reader    *CSVReader
	rep       *ImportReport
	set       *RecipientSet // the staging list, once staged

	hash            hash.Hash
	counts, locales map[string]int64 // imported people by jurisdiction, by locale
	profiles        map[string]int64 // imported people by ProfileKey
}

// openImport checks that actor may import into the open incident id and
// that the file is not too big, and opens the reader, which knows the
// playbook's data categories.
func (s *Service) openImport(ctx context.Context, actor, id string, src io.Reader, in ImportInput) (*recipientImport, error) {
	if _, err := s.authorize(ctx, actor, ActImport, id); err != nil {
		return nil, err
	}
	if err := CheckImportSize(in.Size, s.maxImport); err != nil {
		return nil, err
	}
	var categories []string
	err := s.store.View(ctx, func(tx Tx) error {
		inc, err := tx.Incident(id)
		if err != nil {
			return err
		}
		if inc.State == StateClosed {
			return Errorf(ECONFLICT, "%s is closed; its record can no longer change", inc.ID)
		}
		pb, err := s.pinned(tx, inc.Playbook.Key)
		if err != nil {
			return err
		}
		if def, ok := pb.FactDefByName("data_categories"); ok && len(def.Values) > 0 {
			categories = def.Values
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	reader, err := NewCSVReader(src, s.maxImport, categories)
	if err != nil {
		return nil, err
	}
	return &recipientImport{s: s, actor: actor, id: id, in: in, reader: reader, rep: &ImportReport{Dropped: reader.Dropped()},
		hash: sha256.New(), counts: map[string]int64{}, locales: map[string]int64{}}, nil
}

// stage starts a staging list, and removes lists that earlier imports left
// behind when they failed or the process stopped.
func (imp *recipientImport) stage(ctx context.Context) error {
	s := imp.s
	return s.update(ctx, func(t *txn) error {
		var stale []string
		err := t.RecipientSets(func(rs *RecipientSet) error {
			if _, running := s.imports.Load(rs.ID); rs.State == SetStaging && !running {
				stale = append(stale, rs.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, sid := range stale {
			if err := t.DeleteRecipientSet(sid); err != nil {
				return err
			}
		}
		imp.set, err = t.NewRecipientSet(imp.id, t.now, imp.actor)
		return err
	})
}

// discard removes the staging list of an import that was not committed.
func (imp *recipientImport) discard(ctx context.Context) {
	s := imp.s
	err := s.store.Update(context.WithoutCancel(ctx), func(tx Tx) error { return tx.DeleteRecipientSet(imp.set.ID) })
	if err != nil {
		s.log.Error("remove staging recipient list", "set", imp.set.ID, "err", err)
	}
}

// commit makes the staged list the incident's, in one transaction: the
// counts become facts (recomputing obligations), unsent notices bound to
// the previous list are voided, and the previous list is deleted unless a
// notice was sent from it.
func (imp *recipientImport) commit(ctx context.Context) error {
	s, actor, id, in, rep, set, counts := imp.s, imp.actor, imp.id, imp.in, imp.rep, imp.set, imp.counts
	rep.Unknown = counts[JurisdictionUnknown]
	set.Count, set.Counts, set.Locales, set.Profiles = rep.Imported, counts, imp.locales, imp.profiles
	set.Hash = hex.EncodeToString(imp.hash.Sum(nil))
	set.Source = in.Source
	set.State = SetCommitted

	var res Result
	err := s.do(ctx, actor, ActImport, id, func(t *txn, _ []string) error {
		inc, pb, err := s.load(t, id, false)
		if err != nil {
			return err
		}
		set.ImportedAt = t.now
		if err := t.PutRecipientSet(set); err != nil {
			return err
		}
		prev := inc.Recipients
		ref := set.Ref()
		inc.Recipients = &ref
		if prev != nil {
			rep.Previous = prev.ID
		}
		// The counts become facts, so thresholds are evaluated from real data.
		var changed []string
		rep.Replaced = nil
		apply := func(ch FactChange) {
			old, had := inc.Facts[ch.Name]
			var did bool
			if inc.Facts, did = inc.Facts.Apply(ch, t.now, actor); did {
				changed = append(changed, ch.Name)
				if had {
					if rep.Replaced == nil {
						rep.Replaced = map[string]Fact{}
					}
					rep.Replaced[ch.Name] = old
				}
			}
		}
		known := map[string]int64{}
		var places []string
		for k, v := range counts {
			if k != JurisdictionUnknown {
				known[k] = v
				places = append(places, k)
			}
		}
		if def, ok := pb.FactDefByName("residents"); ok && def.Type == FactCounts && len(known) > 0 {
			apply(FactChange{Name: def.Name, Op: "=", Value: Fact{Counts: known, Complete: rep.Unknown == 0, Source: "import"}})
		}
		if def, ok := pb.FactDefByName("affected"); ok && def.Type == FactNumber {
			n := rep.Imported
			apply(FactChange{Name: def.Name, Op: "=", Value: Fact{Number: &n, Source: "import"}})
		}
		// A row's own data categories (an SSN in one person's row) are data
		// the breach exposed: they extend the incident's recorded data, so
		// the laws that turn on them apply (Massachusetts for an SSN). An
		// unrecorded fact stays unknown: the rows alone do not say what else
		// was exposed, and an unknown is never a no.
		if def, ok := pb.FactDefByName("data_categories"); ok && def.Type == FactSet {
			if f, had := inc.Facts[def.Name]; had && f.Set != nil {
				var add []string
				for pk := range imp.profiles {
					for _, c := range profileRecipient(pk).DataCategories {
						if c, err := def.canonical(c); err == nil && !slices.Contains(f.Set, c) && !slices.Contains(add, c) {
							add = append(add, c)
						}
					}
				}
				slices.Sort(add)
				if len(add) > 0 {
					apply(FactChange{Name: def.Name, Op: "+=", Value: Fact{Set: add}})
				}
			}
		}
		if def, ok := pb.FactDefByName("jurisdictions"); ok && def.Type == FactSet && len(places) > 0 {
			var set []string
			for _, p := range places {
				if c, err := def.canonical(p); err == nil && !slices.Contains(set, c) {
					set = append(set, c)
				}
			}
			slices.Sort(set)
			if len(set) > 0 {
				apply(FactChange{Name: def.Name, Op: "+=", Value: Fact{Set: set}})
			}
		}
		slices.Sort(changed)
		res.FactsChanged = changed
		// Notices bound to an earlier list can no longer be sent.
		var keepPrev bool
		err = t.Notices(inc.ID, func(n *Notice) error {
			if prev != nil && n.Recipients.ID == prev.ID && !n.State.Unsent() && n.State != NoticeVoid {
				keepPrev = true // sent or sending from it: kept for the record and lookups
			}
			if !n.State.Unsent() || n.Recipients.ID == set.ID {
				return nil
			}
			if err := s.voidNotice(t, inc, n, fmt.Sprintf("the recipient list changed (import %s replaced %s)", set.ID, n.Recipients.ID)); err != nil {
				return err
			}
			rep.Voided = append(rep.Voided, n.ID)
			return nil
		})
		if err != nil {
			return err
		}
		if prev != nil && !keepPrev {
			if err := t.DeleteRecipientSet(prev.ID); err != nil {
				return err
			}
		}
		if res.Changes, err = s.save(t, inc, pb); err != nil {
			return err
		}
		res.Incident, res.Playbook = inc, pb
		details := map[string]string{
			"set": set.ID, "recipients": strconv.FormatInt(rep.Imported, 10), "rows": strconv.FormatInt(rep.Rows, 10),
			"duplicates": strconv.FormatInt(rep.Duplicates, 10), "rejected": strconv.FormatInt(rep.Rejected, 10),
			"hash": set.Hash, "counts": Fact{Counts: counts}.String(),
		}
		if in.Source != "" {
			details["source"] = in.Source
		}
		if len(rep.Dropped) > 0 {
			details["dropped_columns"] = strings.Join(rep.Dropped, ",")
		}
		if prev != nil {
			details["replaced"] = prev.ID
		}
		if len(rep.Voided) > 0 {
			details["voided"] = strings.Join(rep.Voided, ",")
		}
		for _, name := range changed {
			details["fact."+name] = inc.Facts[name].String()
		}
		return s.audit(t, actor, "recipients.imported", inc, details)
	})
	if err != nil {
		return err
	}
	rep.Set, rep.Result = set, &res
	return nil
}

// voidNotice marks an unsent notice void with the reason, audits it and
// tells the incident channel when it had been submitted or approved.
func (s *Service) voidNotice(t *txn, inc *Incident, n *Notice, reason string) error {
	from := n.State
	n.Void = &Voiding{At: t.now, Reason: reason, From: from}
	n.State = NoticeVoid
	if err := t.PutNotice(n); err != nil {
		return err
	}
	if from == NoticeSubmitted || from == NoticeApproved {
		what := "submission"
		if from == NoticeApproved {
			what = "approval"
		}
		err := t.enqueue(Notification{ID: "notice-void:" + inc.ID + ":" + n.ID, Kind: NotifyNoticeDecision, Audience: AudienceIncident,
			Incident: inc.ID, Title: inc.Title, Drill: inc.Drill,
			Text:   fmt.Sprintf("The %s of notice %s of %s is void: %s. Draft it again: /breach notice draft", what, n.ID, inc.ID, reason),
			Notice: &NoticeInfo{ID: n.ID, State: n.State, Decision: "voided", Reason: reason, ContentHash: n.ContentHash, Recipients: n.Recipients.Count}})
		if err != nil {
			return err
		}
	}
	return s.audit(t, "breachbot", "notice.voided", inc, map[string]string{"notice": n.ID, "from": string(from), "reason": reason})
}

// RecipientCounts returns the incident's current recipient list, if any.
func (s *Service) RecipientCounts(ctx context.Context, actor, id string) (*RecipientSetRef, error) {
	res, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return res.Incident.Recipients, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// SystemActor is the actor of what breachbot does by itself.
const SystemActor = "breachbot"
