package incidents_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/boltstore/boltstoretest"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/noticetest"
)

// startedSend makes, in the database at path, an incident whose notice to
// n people was started (not yet sent by any process), and returns its id.
func startedSend(t *testing.T, path string, mailer incidents.Mailer, n int) string {
	t.Helper()
	store := boltstoretest.MustOpenAt(t, path)
	defer store.Close()
	if err := store.SetEncryptionKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	svc := transportService(store, mailer)
	ctx := context.Background()
	res, err := svc.Declare(ctx, "U1", incidents.DeclareInput{Title: "Leak"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Incident.ID
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i := range n {
		fmt.Fprintf(&csv, "p%03d@example.com,P%d\n", i, i)
	}
	steps := []func() error{
		func() error {
			_, err := svc.ImportRecipients(ctx, "U1", id, strings.NewReader(csv.String()), incidents.ImportInput{})
			return err
		},
		func() error {
			_, err := svc.DraftNotice(ctx, "U1", id, incidents.DraftInput{Fields: map[string]string{"what_happened": "a", "what_we_are_doing": "b", "what_you_can_do": "c"}})
			return err
		},
		func() error { _, err := svc.SubmitNotice(ctx, "U1", id, ""); return err },
		func() error { _, err := svc.ApproveNotice(ctx, "U2", id, ""); return err },
		func() error { _, err := svc.TestNotice(ctx, "U3", id, "", "me@acme.example"); return err },
		func() error { _, err := svc.ConfirmTestNotice(ctx, "U3", id, ""); return err },
		func() error { _, err := svc.SendNotice(ctx, "U3", id, ""); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func transportService(store *boltstore.Store, mailer incidents.Mailer) *incidents.Service {
	pb := &incidents.Playbook{ID: "p", Version: "1", Title: "P", SHA256: "s", Catalog: incidents.CatalogRef{SHA256: "c"},
		Facts:  []incidents.FactDef{{Name: "affected", Type: incidents.FactNumber}, {Name: "residents", Type: incidents.FactCounts}},
		Events: []incidents.EventDef{{Name: "awareness"}}}
	return incidents.NewService(incidents.Config{Store: store, Playbooks: onePlaybook{pb}, Clock: clocktest.New(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)),
		Notices: noticetest.Renderer{}, Mailer: mailer, Company: incidents.Company{Name: "Acme", ContactEmail: "privacy@acme.example"}})
}

// A process without the encryption key cannot read the recipients: the
// send pauses, saying so in the channel, instead of staying "sending"
// and failing over and over.
func TestSendThatCannotReadRecipientsPauses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "breachbot.db")
	mailer := &noticetest.Mailer{}
	id := startedSend(t, path, mailer, 5)

	store := boltstoretest.MustOpenAt(t, path) // no key set
	defer store.Close()
	svc := transportService(store, mailer)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{}).SendPending(ctx); err != nil {
		t.Fatalf("the send failed instead of pausing: %v", err)
	}
	n := status(t, svc, id)
	if n.State != incidents.NoticePaused || !strings.Contains(n.Send.Paused, "cannot read the affected people's addresses: no encryption key is set") ||
		!strings.Contains(n.Send.Paused, "BREACHBOT_ENCRYPTION_KEY") {
		t.Errorf("notice %s, paused %q", n.State, n.Send.Paused)
	}
	if got := len(mailer.Sent()); got != 0 { // the test message is not counted
		t.Errorf("%d addresses got mail", got)
	}
	rec := newRecorder()
	if _, err := incidents.NewDispatcher(svc, rec).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var posted []string
	for _, p := range rec.notifications(incidents.NotifyNoticeProgress) {
		posted = append(posted, p.Text)
	}
	if len(posted) == 0 || !strings.Contains(posted[len(posted)-1], "PAUSED: breachbot cannot read the affected people's addresses") {
		t.Errorf("the channel was not told why the send stopped: %q", posted)
	}
}
