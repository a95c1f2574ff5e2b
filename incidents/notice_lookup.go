package incidents

import (
	"context"
	"strconv"
	"time"
)

// LookupResult says whether one address was notified. It names no one else.
type LookupResult struct {
	Incident string
	// Address is the address asked about, normalised.
	Address string
	// InList says whether it is in the incident's current recipient list.
	InList  bool
	Notices []LookupNotice
}

// LookupAnswer is whether an address was notified.
type LookupAnswer string

// Lookup answers.
const (
	// Notified: a notice to the address was sent (the server said 250).
	Notified LookupAnswer = "yes"
	// NotifiedInDoubt: none was sent, but one is in doubt (handed over,
	// no reply recorded).
	NotifiedInDoubt LookupAnswer = "in_doubt"
	// NotNotified: none was sent or handed over (pending, in flight,
	// failed, or none sent to it at all).
	NotNotified LookupAnswer = "no"
)

// Notified answers whether the address was notified, by any notice.
func (r *LookupResult) Notified() LookupAnswer {
	a := NotNotified
	for _, ln := range r.Notices {
		switch {
		case ln.State == DeliverySent:
			return Notified
		case ln.State == DeliveryInDoubt:
			a = NotifiedInDoubt
		}
	}
	return a
}

// LookupNotice is the state of one notice for the address asked about.
type LookupNotice struct {
	Notice    string
	State     DeliveryState
	Pending   bool
	At        time.Time
	MessageID string
	Code      int
	Reply     string
	// Folder is where the message was written (State DeliveryWritten):
	// not sent to anyone by breachbot; HandedOff when legal handed the
	// rest of the send off there.
	Folder    string
	HandedOff bool
}

// LookupRecipient answers whether and when an address was notified of an
// incident, for answering a customer's question. Legal only; audited with
// the address's keyed hash.
func (s *Service) LookupRecipient(ctx context.Context, actor, id, address string) (*LookupResult, error) {
	addr, err := NormalizeAddress(address)
	if err != nil {
		return nil, Errorf(EINVALID, "%s", ErrorMessage(err)).WithCause(err).WithTry("notice lookup someone@example.com")
	}
	res := &LookupResult{Incident: id, Address: addr}
	err = s.do(ctx, actor, ActLookup, id, func(t *txn, _ []string) error {
		inc, _, err := s.load(t, id, true)
		if err != nil {
			return err
		}
		tag, err := t.AddressTag(addr)
		if err != nil {
			return err
		}
		if inc.Recipients != nil {
			if rs, err := t.RecipientSet(inc.Recipients.ID); err == nil && rs.State == SetPurged {
				return Errorf(ECONFLICT, "the affected people of %s were purged on %s (retention); whether an address was notified can no longer be answered",
					inc.ID, rs.PurgedAt.UTC().Format("2006-01-02")).WithHint("the export (/breach export) keeps the counts and outcomes")
			}
			seq, err := t.RecipientByAddress(inc.Recipients.ID, addr)
			if err != nil {
				return err
			}
			res.InList = seq > 0
		}
		err = t.Notices(inc.ID, func(n *Notice) error {
			if n.Send == nil {
				return nil
			}
			seq, err := t.RecipientByAddress(n.Recipients.ID, addr)
			if err != nil || seq == 0 {
				return err
			}
			d, ok, err := t.Delivery(inc.ID, n.ID, seq)
			if err != nil {
				return err
			}
			ln := LookupNotice{Notice: n.ID, Pending: !ok}
			if ok {
				ln.State, ln.At, ln.MessageID, ln.Code, ln.Reply = d.State, d.At, d.MessageID, d.Code, d.Reply
			}
			if ln.State == DeliveryWritten {
				ln.Folder, ln.HandedOff = n.Send.Folder, n.Send.Handoff != nil
			}
			res.Notices = append(res.Notices, ln)
			return nil
		})
		if err != nil {
			return err
		}
		return s.audit(t, actor, "notice.lookup", inc, map[string]string{"address_tag": tag, "in_list": strconv.FormatBool(res.InList), "notified": string(res.Notified())})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
