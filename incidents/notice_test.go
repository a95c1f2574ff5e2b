package incidents_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/noticetest"
)

type onePlaybook struct{ pb *incidents.Playbook }

func (o onePlaybook) Playbook(context.Context, string) (*incidents.Playbook, error) { return o.pb, nil }
func (o onePlaybook) Default(context.Context) (*incidents.Playbook, error)          { return o.pb, nil }
func (o onePlaybook) Playbooks(context.Context) ([]*incidents.Playbook, error) {
	return []*incidents.Playbook{o.pb}, nil
}

// approvedNotice returns a service with an approved, test-confirmed notice
// to n people that is being sent, and the incident id.
func approvedNotice(t *testing.T, mailer *noticetest.Mailer, n int) (*incidents.Service, string) {
	t.Helper()
	svc, id, _ := approvedNoticeStore(t, mailer, n)
	return svc, id
}

// approvedNoticeStore is approvedNotice, also returning the store.
func approvedNoticeStore(t *testing.T, mailer *noticetest.Mailer, n int) (*incidents.Service, string, *boltstore.Store) {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "breachbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SetEncryptionKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	pb := &incidents.Playbook{ID: "p", Version: "1", Title: "P", SHA256: "s", Catalog: incidents.CatalogRef{SHA256: "c"},
		Facts:  []incidents.FactDef{{Name: "affected", Type: incidents.FactNumber}, {Name: "residents", Type: incidents.FactCounts}},
		Events: []incidents.EventDef{{Name: "awareness"}}}
	svc := incidents.NewService(incidents.Config{Store: store, Playbooks: onePlaybook{pb}, Clock: clocktest.New(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)),
		Notices: noticetest.Renderer{}, Mailer: mailer, Company: incidents.Company{Name: "Acme", ContactEmail: "privacy@acme.example"}})
	ctx := context.Background()
	res, err := svc.Declare(ctx, "U1", incidents.DeclareInput{Title: "Leak"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Incident.ID
	var csv strings.Builder
	csv.WriteString("email,name,country,region\n")
	for i := range n {
		fmt.Fprintf(&csv, "p%03d@example.com,P%d,US,CA\n", i, i)
	}
	rep, err := svc.ImportRecipients(ctx, "U1", id, strings.NewReader(csv.String()), incidents.ImportInput{})
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Result.Incident.Facts; f["residents"].String() != fmt.Sprintf("US-CA:%d", n) || !f["residents"].Complete || f["affected"].String() != fmt.Sprint(n) {
		t.Errorf("facts from the import: %v", f)
	}
	steps := []func() error{
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
	return svc, id, store
}

// accounted checks that every recipient is in exactly one state.
func accounted(t *testing.T, s *incidents.SendState) {
	t.Helper()
	never := s.Total - s.Cursor + 1
	if got := s.Sent + s.FailedTemporary + s.FailedPermanent + s.InDoubt + s.Queued + s.InFlight + never; got != s.Total {
		t.Errorf("recipients do not add up: %+v (never tried %d)", s, never)
	}
}

func status(t *testing.T, svc *incidents.Service, id string) *incidents.Notice {
	t.Helper()
	res, err := svc.NoticeStatus(context.Background(), "U1", id, "")
	if err != nil {
		t.Fatal(err)
	}
	return res.Notice
}

// A server slower than the commits (here: one that answers only when the
// test lets it, half a window at a time) keeps the window at its start,
// eight per connection: no more recipients are put at risk of a duplicate
// than the pace needs.
func TestWindowStaysSmallForASlowServer(t *testing.T) {
	t.Parallel()
	probe := &inFlightProbe{}
	answer := make(chan struct{}, 1000)
	m := &noticetest.Mailer{Conns: 2, SendFunc: func(mail *incidents.Mail) error {
		if !strings.HasPrefix(mail.To, "me@") {
			<-answer
			probe.observe(t)
		}
		return nil
	}}
	svc, id := approvedNotice(t, m, 200)
	probe.svc, probe.id = svc, id
	recorded := make(chan int, 100)
	ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{Recorded: func(sent, _ int) { recorded <- sent }})
	done := make(chan error, 1)
	go func() { done <- ns.SendPending(context.Background()) }()
	for sent := 0; sent < 200; {
		for range 8 { // half the starting window of 16
			answer <- struct{}{}
		}
		for got := 0; got < 8 && sent < 200; { // until the server's answers are committed
			select {
			case k := <-recorded:
				got += k
				sent += k
			case <-time.After(20 * time.Second): // a guard against hanging, not a deadline under test
				close(answer)
				<-done
				t.Fatalf("after %d sent, the sender waits for more than the 8 answers it got: its window grew", sent)
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	n := status(t, svc, id)
	if n.State != incidents.NoticeSent || n.Send.Sent != 200 {
		t.Fatalf("%s %+v", n.State, n.Send)
	}
	if probe.max > 16 {
		t.Errorf("%d recipients were in flight with a slow server; the window should have stayed at 16", probe.max)
	}
}

// Temporary failures two at a time, never three in a row, must not pause
// a send that pauses after three: each failure counts once, however many times the sender wakes up
// before it next commits.
func TestScatteredTemporaryFailuresDoNotPauseTheSend(t *testing.T) {
	t.Parallel()
	m := &noticetest.Mailer{Conns: 1, SendFunc: func(mail *incidents.Mail) error {
		// A server's latency: results trickle in, so the sender wakes up
		// many times between commits.
		time.Sleep(100 * time.Microsecond)
		var i int
		if _, err := fmt.Sscanf(mail.To, "p%03d@", &i); err == nil && i%4 < 2 {
			return &incidents.SendError{Code: 451, Reply: "try again later"}
		}
		return nil
	}}
	svc, id := approvedNotice(t, m, 300)
	ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{PauseAfter: 3, Window: 40})
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := status(t, svc, id)
	accounted(t, n.Send)
	if n.State != incidents.NoticeSent || n.Send.Sent != 150 || n.Send.FailedTemporary != 150 {
		t.Fatalf("failures in pairs with PauseAfter 3: %s %q %+v", n.State, n.Send.Paused, n.Send)
	}
}

// inFlightProbe records the most recipients "notice status" showed in
// flight while messages were being handed to the mailer.
type inFlightProbe struct {
	svc *incidents.Service
	id  string
	mu  sync.Mutex
	max int64
}

func (p *inFlightProbe) observe(t *testing.T) {
	n := status(t, p.svc, p.id)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.max = max(p.max, n.Send.InFlight)
}

// With a server faster than the database commits, the window grows so the
// connections are not left idle, but never past MaxWindow: the bound on
// recipients "in flight" (possibly duplicated after a crash) holds.
func TestWindowGrowsForAFastServerUpToItsCap(t *testing.T) {
	t.Parallel()
	probe := &inFlightProbe{}
	m := &noticetest.Mailer{Conns: 2, SendFunc: func(mail *incidents.Mail) error {
		if !strings.HasPrefix(mail.To, "me@") {
			probe.observe(t)
		}
		return nil
	}}
	svc, id := approvedNotice(t, m, 3000)
	probe.svc, probe.id = svc, id
	ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{MaxWindow: 48})
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := status(t, svc, id)
	accounted(t, n.Send)
	if n.State != incidents.NoticeSent || n.Send.Sent != 3000 {
		t.Fatalf("%s %+v", n.State, n.Send)
	}
	if probe.max <= 16 || probe.max > 48 {
		t.Errorf("at most %d recipients were in flight; want more than the starting window (16) and at most MaxWindow (48)", probe.max)
	}
}

// By default the window may grow to 128 per connection: with a relay that
// takes messages as fast as it can, one connection is kept busy through
// the commits of a real database (fsync included) instead of waiting on
// them at 32.
func TestDefaultWindowGrowsPast32PerConnection(t *testing.T) {
	t.Parallel()
	probe := &inFlightProbe{}
	m := &noticetest.Mailer{Conns: 1, SendFunc: func(mail *incidents.Mail) error {
		if !strings.HasPrefix(mail.To, "me@") {
			probe.observe(t)
		}
		return nil
	}}
	svc, id := approvedNotice(t, m, 3000)
	probe.svc, probe.id = svc, id
	if err := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{}).SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := status(t, svc, id); n.State != incidents.NoticeSent || n.Send.Sent != 3000 {
		t.Fatalf("%s %+v", n.State, n.Send)
	}
	if probe.max <= 32 || probe.max > 128 {
		t.Errorf("at most %d recipients were in flight; want more than 32 and at most 128 (one connection)", probe.max)
	}
}

func TestRepeatedTemporaryFailuresPauseTheSendAndRetryResumesIt(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	down := true
	m := &noticetest.Mailer{Conns: 2, SendFunc: func(mail *incidents.Mail) error {
		mu.Lock()
		defer mu.Unlock()
		if down && !strings.HasPrefix(mail.To, "me@") {
			return &incidents.SendError{Code: 421, Reply: "service not available"}
		}
		return nil
	}}
	svc, id := approvedNotice(t, m, 40)
	ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{PauseAfter: 5, Window: 4})
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := status(t, svc, id)
	if n.State != incidents.NoticePaused || !strings.Contains(n.Send.Paused, "in a row failed temporarily; the mail server may be down (last reply: temporary failure: 421 service not available)") {
		t.Fatalf("after repeated 421s: %s %q", n.State, n.Send.Paused)
	}
	accounted(t, n.Send)
	if n.Send.InFlight != 0 || n.Send.Sent != 0 || n.Send.FailedTemporary < 5 || n.Send.Remaining() == 0 {
		t.Errorf("paused with %+v", n.Send)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if _, err := svc.RetryNotice(context.Background(), "U3", id, "", false); err != nil {
		t.Fatal(err)
	}
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	n = status(t, svc, id)
	accounted(t, n.Send)
	if n.State != incidents.NoticeSent || n.Send.Sent != 40 {
		t.Errorf("after the retry: %s %+v", n.State, n.Send)
	}
	for addr, c := range m.Sent() {
		if c != 1 {
			t.Errorf("%s got %d messages", addr, c)
		}
	}
	if len(m.Sent()) != 40 {
		t.Errorf("%d people got the notice, want 40", len(m.Sent()))
	}
}

func TestUncertainAndPermanentOutcomes(t *testing.T) {
	t.Parallel()
	m := &noticetest.Mailer{Conns: 3, SendFunc: func(mail *incidents.Mail) error {
		switch mail.To {
		case "p003@example.com":
			return &incidents.SendError{Uncertain: true, Reply: "no answer after the message was handed over"}
		case "p004@example.com":
			return &incidents.SendError{Permanent: true, Code: 550, Reply: "<address>: unknown user"}
		}
		return nil
	}}
	svc, id := approvedNotice(t, m, 10)
	ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{})
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := status(t, svc, id)
	accounted(t, n.Send)
	got := [4]int64{n.Send.Sent, n.Send.InDoubt, n.Send.FailedPermanent, n.Send.FailedTemporary}
	if diff := cmp.Diff([4]int64{8, 1, 1, 0}, got); diff != "" {
		t.Errorf("sent, in doubt, permanent, temporary (-want +got):\n%s", diff)
	}
	// Recipients in doubt are sent again only when asked.
	if _, err := svc.RetryNotice(context.Background(), "U3", id, "", false); incidents.ErrorCode(err) != incidents.ECONFLICT {
		t.Errorf("retry with nothing temporary: %v", err)
	}
	m.SendFunc = nil
	if _, err := svc.RetryNotice(context.Background(), "U3", id, "", true); err != nil {
		t.Fatal(err)
	}
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	n = status(t, svc, id)
	accounted(t, n.Send)
	if n.Send.Sent != 9 || n.Send.FailedPermanent != 1 || m.Sent()["p003@example.com"] != 2 || m.Sent()["p004@example.com"] != 0 {
		t.Errorf("after retry --in-doubt: %+v, sent %v", n.Send, m.Sent())
	}
	res, err := svc.LookupRecipient(context.Background(), "U2", id, "P004@Example.com")
	if err != nil || len(res.Notices) != 1 || res.Notices[0].State != incidents.DeliveryPermanent || res.Notices[0].Code != 550 {
		t.Errorf("lookup of the refused address: %+v %v", res, err)
	}
}

func TestStoppingMidSendLosesNothing(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	started := make(chan struct{})
	m := &noticetest.Mailer{Conns: 2, SendFunc: func(mail *incidents.Mail) error {
		if mail.To == "p010@example.com" {
			once.Do(func() { close(started) })
			<-release // a stalled server
		}
		return nil
	}}
	svc, id := approvedNotice(t, m, 30)
	ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{Window: 4})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ns.SendPending(ctx) }()
	<-started
	cancel() // shutting down while one message hangs
	close(release)
	if err := <-done; err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	n := status(t, svc, id)
	accounted(t, n.Send)
	if n.State != incidents.NoticeSending || n.Send.InFlight != 0 {
		t.Errorf("after stopping: %s %+v (want still sending, nothing left in flight)", n.State, n.Send)
	}
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	n = status(t, svc, id)
	if n.State != incidents.NoticeSent || n.Send.Sent != 30 || n.Send.InDoubt != 0 {
		t.Errorf("after resuming: %s %+v", n.State, n.Send)
	}
	for addr, c := range m.Sent() {
		if c != 1 {
			t.Errorf("%s got %d messages", addr, c)
		}
	}
}

// A relay refusing the notice itself (a 5xx the sender counts as
// temporary: policy, our account, the content) pauses the send with words
// that point at the relay, not at a server that may be down, and nobody is
// failed for good.
func TestRefusedNoticePausesWithoutFailingAnyone(t *testing.T) {
	t.Parallel()
	m := &noticetest.Mailer{Conns: 2, SendFunc: func(mail *incidents.Mail) error {
		if strings.HasPrefix(mail.To, "me@") {
			return nil
		}
		return &incidents.SendError{Code: 554, Reply: "5.7.1 delivery not authorized, message refused"}
	}}
	svc, id := approvedNotice(t, m, 40)
	ns := incidents.NewNoticeSender(svc, incidents.NoticeSenderOptions{PauseAfter: 5, Window: 4})
	if err := ns.SendPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := status(t, svc, id)
	if n.State != incidents.NoticePaused || !strings.Contains(n.Send.Paused, "refused by the mail server for a reason that is not the person's mailbox") {
		t.Fatalf("after repeated 554 5.7.1: %s %q", n.State, n.Send.Paused)
	}
	accounted(t, n.Send)
	if n.Send.FailedPermanent != 0 || n.Send.Sent != 0 || n.Send.Remaining() == 0 {
		t.Errorf("paused with %+v; want nobody failed for good and people left to send to", n.Send)
	}
}
