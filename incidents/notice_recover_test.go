package incidents_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/noticetest"
)

// crashedSend leaves the store and the journal as a process killed during
// a send leaves them: recipients 1-10 claimed (in flight); of those, the
// journal noted DATA for 2, 3 and 4 and the server's acceptance of 2.
// It returns the addresses by recipient number.
func crashedSend(t *testing.T, store *boltstore.Store, id string, writeJournal bool) map[int64]string {
	t.Helper()
	ctx := context.Background()
	addrs := map[int64]string{}
	err := store.Update(ctx, func(tx incidents.Tx) error {
		n, err := tx.Notice(id, "N1")
		if err != nil {
			return err
		}
		for seq := int64(1); seq <= 20; seq++ {
			r, err := tx.Recipient(n.Recipients.ID, seq)
			if err != nil {
				return err
			}
			addrs[seq] = r.Email
			if seq <= 10 {
				d := incidents.Delivery{State: incidents.DeliveryInFlight, At: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), Attempts: 1}
				if err := tx.PutDelivery(id, "N1", seq, d); err != nil {
					return err
				}
			}
		}
		n.Send.Cursor, n.Send.InFlight = 11, 10
		return tx.PutNoticeSend(id, "N1", n.Send)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !writeJournal {
		return addrs
	}
	j := store.SendJournal()
	defer j.Close()
	if err := j.Reset(); err != nil {
		t.Fatal(err)
	}
	for _, seq := range []int64{2, 3, 4} {
		if err := j.DataStarted(id, "N1", seq, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Accepted(id, "N1", 2, 1, time.Date(2026, 11, 28, 11, 59, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	// A note of another notice, and of an earlier attempt, change nothing.
	if err := j.DataStarted(id, "N2", 5, 1); err != nil {
		t.Fatal(err)
	}
	if err := j.DataStarted(id, "N1", 6, 0); err != nil {
		t.Fatal(err)
	}
	return addrs
}

func recoveredAudit(t *testing.T, store *boltstore.Store, id string) map[string]string {
	t.Helper()
	var details map[string]string
	err := store.View(context.Background(), func(tx incidents.Tx) error {
		return tx.AuditLog(id, func(e incidents.AuditEntry) error {
			if e.Action == "notice.recovered" {
				details = e.Details
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return details
}

// After a crash, the journal decides: the recipient the server accepted
// is sent (not sent again), those that never reached DATA are simply
// pending, and only those between DATA and the reply are in doubt; they
// are sent again by themselves (same Message-ID) unless ResendInDoubt is
// off, and then the notice is not sent but waits for a person.
func TestRecoverSettlesInFlightByTheJournal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		resend  bool
		journal bool
		// who gets a message after the restart, by recipient number
		notSentAgain []int64
		inDoubt      int64
		audit        map[string]string
	}{
		{name: "resend in doubt", resend: true, journal: true, notSentAgain: []int64{2},
			audit: map[string]string{"in_flight": "10", "sent": "1", "pending_again": "7", "in_doubt": "2", "resent_in_doubt": "2", "resend_in_doubt": "true", "journal": "complete"}},
		{name: "leave in doubt", resend: false, journal: true, notSentAgain: []int64{2, 3, 4}, inDoubt: 2,
			audit: map[string]string{"in_flight": "10", "sent": "1", "pending_again": "7", "in_doubt": "2", "resent_in_doubt": "0", "resend_in_doubt": "false", "journal": "complete"}},
		{name: "no journal: all in doubt", resend: true, journal: false,
			audit: map[string]string{"in_flight": "10", "sent": "0", "pending_again": "0", "in_doubt": "10", "resent_in_doubt": "10", "resend_in_doubt": "true",
				"journal": "incomplete (the machine restarted, or the journal is missing)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &noticetest.Mailer{Conns: 2}
			svc, id, store := approvedNoticeStore(t, m, 20)
			addrs := crashedSend(t, store, id, tc.journal)
			journal := store.SendJournal()
			t.Cleanup(func() { journal.Close() })
			ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{KeepInDoubt: !tc.resend, Journal: journal})
			if k, err := ns.Recover(context.Background()); err != nil || k != 10 {
				t.Fatalf("recover: %d, %v", k, err)
			}
			if err := ns.SendPending(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			for seq, addr := range addrs {
				want[addr] = 1
				for _, s := range tc.notSentAgain {
					if s == seq {
						delete(want, addr)
					}
				}
			}
			if diff := cmp.Diff(want, m.Sent()); diff != "" {
				t.Errorf("messages after the restart (-want +got):\n%s", diff)
			}
			n := status(t, svc, id)
			accounted(t, n.Send)
			if n.Send.Sent != 20-tc.inDoubt || n.Send.InDoubt != tc.inDoubt {
				t.Errorf("sent %d, in doubt %d; want %d, %d", n.Send.Sent, n.Send.InDoubt, 20-tc.inDoubt, tc.inDoubt)
			}
			wantState := incidents.NoticeSent
			if tc.inDoubt > 0 {
				wantState = incidents.NoticePaused
			}
			if n.State != wantState {
				t.Errorf("notice %s, want %s (%q)", n.State, wantState, n.Send.Paused)
			}
			if diff := cmp.Diff(tc.audit, recoveredAudit(t, store, id), cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == `["notice"]`
			}, cmp.Ignore())); diff != "" {
				t.Errorf("notice.recovered audit (-want +got):\n%s", diff)
			}
			// The accepted recipient is sent, when the server said so,
			// with its Message-ID.
			if tc.journal {
				res, err := svc.LookupRecipient(context.Background(), "U2", id, addrs[2])
				if err != nil || len(res.Notices) != 1 || res.Notified() != incidents.Notified ||
					!res.Notices[0].At.Equal(time.Date(2026, 11, 28, 11, 59, 0, 0, time.UTC)) || !strings.HasPrefix(res.Notices[0].MessageID, strings.ToLower(id)+".n1.") {
					t.Errorf("lookup of the accepted recipient: %+v %v", res, err)
				}
			}
			if tc.inDoubt == 0 {
				return
			}
			res, err := svc.LookupRecipient(context.Background(), "U2", id, addrs[3])
			if err != nil || res.Notified() != incidents.NotifiedInDoubt {
				t.Errorf("lookup of a recipient in doubt: %+v %v", res, err)
			}
			// A plain retry does not resend them; it says how.
			_, err = svc.RetryNotice(context.Background(), "U3", id, "", false)
			var e *incidents.Error
			if !errors.As(err, &e) || e.Code != incidents.ECONFLICT || !strings.Contains(e.Hint, "/breach notice retry N1 --in-doubt") {
				t.Errorf("retry without --in-doubt: %v", err)
			}
			if _, err := svc.RetryNotice(context.Background(), "U3", id, "", true); err != nil {
				t.Fatal(err)
			}
			if err := ns.SendPending(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := status(t, svc, id); n.State != incidents.NoticeSent || n.Send.Sent != 20 || n.Send.InDoubt != 0 {
				t.Errorf("after retry --in-doubt: %s %+v", n.State, n.Send)
			}
		})
	}
}

// During a long send the journal is rotated once the recipients noted in
// its older file are recorded: it stays small (here under 352 KiB for
// 12,000 messages, which leave 750 KiB of notes: two files of 2,048
// messages' notes each, plus up to a claim window's worth, 512 with 4
// connections, noted before the older file may go), and it is emptied
// when the send is done.
func TestJournalStaysSmallDuringALongSend(t *testing.T) {
	t.Parallel()
	const people = 12000
	svc, id, store := approvedNoticeStore(t, &noticetest.Mailer{Conns: 4}, people)
	j := store.SendJournal()
	t.Cleanup(func() { j.Close() })
	size := func() int64 {
		var total int64
		for _, p := range []string{j.Path(), j.Path() + ".prev"} {
			if st, err := os.Stat(p); err == nil {
				total += st.Size()
			}
		}
		return total
	}
	var largest int64
	ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{Journal: j,
		Recorded: func(int, int) { largest = max(largest, size()) }})
	if _, err := ns.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := status(t, svc, id); n.State != incidents.NoticeSent || n.Send.Sent != people {
		t.Fatalf("notice %s %+v", n.State, n.Send)
	}
	if largest == 0 || largest > 352<<10 {
		t.Errorf("the journal grew to %d bytes", largest)
	}
	if got := size(); got > 64 {
		t.Errorf("the journal holds %d bytes after the send, want only its header", got)
	}
}
