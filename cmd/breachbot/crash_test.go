package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// TestMain lets a test re-execute this binary as breachbot itself, so that
// a real process can be killed with SIGKILL.
// breachbotProcess starts this test binary as "breachbot args...".
func breachbotProcess(t *testing.T, env map[string]string, stdin *os.File, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BREACHBOT_TEST_AS_MAIN=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

const crashRecipients = 20000

// crashConnections is how many SMTP connections the killed processes use:
// after a SIGKILL at most one message per connection is in doubt.
const crashConnections = 4

// A 20,000-recipient send is killed with SIGKILL three times, after about
// 10%, 50% and 90% of the recipients received it, and restarted each time.
// Everyone gets the notice; the only duplicates are the messages that were
// being handed over at a kill, at most one per connection.
func TestSendingSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 20,000 messages")
	}
	c := startCrashSend(t, "", crashRecipients)
	for _, at := range []float64{0.1, 0.5, 0.9} {
		c.killAt(at)
	}
	out := c.finish()
	if !strings.Contains(out, "Notice N1 of INC-2026-0001 is sent: 20000 of 20000 sent, 0 failed") {
		t.Errorf("the last restart did not say the notice is sent:\n%s", out)
	}
	got := c.received()
	dups := 0
	for i := range crashRecipients {
		addr := fmt.Sprintf("person%05d@example.com", i)
		switch n := got[addr]; {
		case n == 0:
			t.Errorf("%s got no message", addr)
		case n > 1:
			dups += n - 1
		}
	}
	n := c.notice()
	s := n.Send
	inDoubt := s.RecoveredInDoubt()
	t.Logf("duplicates %d; after the kills %d were in flight: %d accepted, %d pending again, %d in doubt sent again; runs %d",
		dups, s.Recovered, s.RecoveredSent, s.RecoveredPending, inDoubt, s.Runs)
	if bound := crashConnections * len(c.kills); dups > bound || inDoubt > int64(bound) {
		t.Errorf("%d duplicates, %d in doubt: a kill may double at most one message per connection (%d in all)", dups, inDoubt, bound)
	}
	if int64(dups) > s.ResentInDoubt {
		t.Errorf("%d duplicates, but only %d recipients were sent again as in doubt", dups, s.ResentInDoubt)
	}
	if n.State != incidents.NoticeSent || s.Sent != crashRecipients || s.Unsettled() != 0 || s.FailedTemporary+s.FailedPermanent != 0 || s.ResentInDoubt != inDoubt {
		t.Errorf("notice %s: %+v", n.State, s)
	}
}

// With resend_in_doubt: false, a kill leaves at most one recipient per
// connection in doubt: not sent again, listed as in doubt, and the notice
// is not shown as sent; everyone else gets it exactly once.
func TestSIGKILLWithoutResendLeavesOnlyTheInDoubt(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 4,000 messages")
	}
	c := startCrashSend(t, "resend_in_doubt: false\n", 4000)
	// The server stops answering after the data, so the kill finds at
	// least one message handed over with no reply: in doubt for sure,
	// whatever the timing.
	c.stallThenKillAt(0.3)
	out := c.finish()
	n := c.notice()
	s := n.Send
	if n.State != incidents.NoticePaused || s.InDoubt != s.RecoveredInDoubt() || s.InDoubt > crashConnections || s.ResentInDoubt != 0 ||
		s.Sent+s.InDoubt != int64(c.recipients) {
		t.Errorf("notice %s: %+v", n.State, s)
	}
	if strings.Contains(out, "is sent") {
		t.Errorf("a notice with recipients in doubt was announced as sent:\n%s", out)
	}
	doubt := c.inDoubt()
	got := c.received()
	for i := range c.recipients {
		addr := fmt.Sprintf("person%05d@example.com", i)
		if c := got[addr]; c != 1 && !doubt[addr] {
			t.Errorf("%s got %d messages and is not in doubt", addr, c)
		}
	}
	if int64(len(doubt)) != s.InDoubt {
		t.Errorf("%d recipients in doubt, the counters say %d", len(doubt), s.InDoubt)
	}
	status := c.e.console("U_LEAD", "/breach notice status --incident INC-2026-0001")
	mustContain(t, status, fmt.Sprintf("in doubt %d", s.InDoubt), "(resend_in_doubt: false): /breach notice retry N1 --in-doubt sends them")
	if strings.Contains(status, "[x] N1") {
		t.Errorf("notice status shows N1 as sent:\n%s", status)
	}
}

// crashSend is a notice to many people being sent by real
// breachbot processes that the test kills.
type crashSend struct {
	t   *testing.T
	e   *noticeEnv
	srv *smtptest.Server
	// recipients is how many people the notice goes to.
	recipients int
	env        map[string]string
	kills      []int
	// stdin of the running process (nil: none runs).
	cmd *exec.Cmd
	out *bytes.Buffer
	pw  *os.File
}

// startCrashSend prepares an approved, test-sent notice and starts a
// process that sends it.
func startCrashSend(t *testing.T, config string, recipients int) *crashSend {
	srv := smtptest.Start(t)
	e := newNoticeEnv(t, config+fmt.Sprintf("smtp_connections: %d\n", crashConnections))
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	var csv strings.Builder
	csv.WriteString("email,name,country,region\n")
	for i := range recipients {
		fmt.Fprintf(&csv, "person%05d@example.com,Person %d,US,CA\n", i, i)
	}
	path := e.file("people.csv", csv.String())
	e.console("U_RESP", "/breach declare Customer DB exposed --aware 2026-11-27T09:00:00Z",
		"/breach facts data=email,password_hash encrypted=no", "/breach notice import "+path, draftLine, "/breach notice submit")
	e.console("U_LEGAL1", "/breach notice approve --incident INC-2026-0001")
	out := e.console("U_LEAD", "/breach notice test --incident INC-2026-0001", "/breach notice test --confirm")
	mustContain(t, out, "The test message of notice N1 is confirmed")
	if srv.Count() != 1 {
		t.Fatalf("the test message did not arrive: %d messages", srv.Count())
	}
	c := &crashSend{t: t, e: e, srv: srv, recipients: recipients, env: map[string]string{"BREACHBOT_DB": e.db}}
	for k, v := range e.env {
		c.env[k] = v
	}
	c.start("/breach notice send --incident INC-2026-0001")
	return c
}

// start starts a console process that reads lines and then waits (its
// stdin stays open until it is killed).
func (c *crashSend) start(lines ...string) {
	pr, pw, err := os.Pipe()
	if err != nil {
		c.t.Fatal(err)
	}
	c.cmd, c.out = breachbotProcess(c.t, c.env, pr, "console", "--user", "U_LEAD", "--config", c.e.cfg)
	pr.Close()
	c.pw = pw
	c.t.Cleanup(func() { pw.Close() })
	for _, l := range lines {
		fmt.Fprintln(pw, l)
	}
}

// killAt waits until the server received frac of the recipients, kills the
// process with SIGKILL and starts the next one.
func (c *crashSend) killAt(frac float64) {
	t := c.t
	t.Helper()
	want := 1 + int(frac*float64(c.recipients))
	deadline := time.Now().Add(2 * time.Minute)
	for c.srv.Count() < want {
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			c.cmd.Wait()
			t.Fatalf("the send did not get to %d messages: %d; output:\n%s", want, c.srv.Count(), c.out)
		}
		time.Sleep(2 * time.Millisecond) // polling a live process, not waiting for a deadline
	}
	if err := c.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	c.cmd.Wait()
	c.pw.Close()
	atKill := c.srv.Count() - 1
	if atKill >= c.recipients {
		t.Fatalf("all %d were sent before the kill at %.0f%%; the test proves nothing", atKill, 100*frac)
	}
	t.Logf("killed after %d of %d messages", atKill, c.recipients)
	c.kills = append(c.kills, atKill)
	c.start()
}

// stallThenKillAt is killAt with the server stalling after the data once
// frac of the messages arrived: the kill comes once at least one more
// message is stalled (handed over, no reply), and the server answers again
// for the restart.
func (c *crashSend) stallThenKillAt(frac float64) {
	t := c.t
	t.Helper()
	want := 1 + int(frac*float64(c.recipients))
	deadline := time.Now().Add(2 * time.Minute)
	stalled := false
	for {
		n := c.srv.Count()
		if !stalled && n >= want {
			c.srv.Set(smtptest.Behaviour{StallData: true})
			stalled, want = true, n+1
		} else if stalled && n >= want {
			break
		}
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			c.cmd.Wait()
			t.Fatalf("the send did not get to %d messages: %d; output:\n%s", want, n, c.out)
		}
		time.Sleep(2 * time.Millisecond) // polling a live process, not waiting for a deadline
	}
	c.srv.Set(smtptest.Behaviour{})
	c.killAt(0) // kills at once: the count is already past the first message
	c.srv.Release()
}

// finish lets the running process end at the end of its input (the
// console waits for sending to finish first) and returns its output.
func (c *crashSend) finish() string {
	c.pw.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			c.t.Fatalf("restart: %v\n%s", err, c.out)
		}
	case <-time.After(5 * time.Minute):
		c.cmd.Process.Kill()
		<-done
		c.t.Fatalf("the restarted process did not finish:\n%s", c.out)
	}
	return c.out.String()
}

// received counts the messages each address got.
func (c *crashSend) received() map[string]int {
	got := map[string]int{}
	for _, m := range c.srv.Messages() {
		for _, to := range m.To {
			got[to]++
		}
	}
	return got
}

// view reads the database once no process holds it.
func (c *crashSend) view(fn func(tx incidents.Tx) error) {
	c.t.Helper()
	store, err := boltstore.Open(c.e.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer store.Close()
	key, err := os.ReadFile(filepath.Join(c.e.dir, "breachbot.db.key"))
	if err != nil {
		c.t.Fatal(err)
	}
	k, _ := boltstore.ParseKey(string(key))
	if err := store.SetEncryptionKey(k); err != nil {
		c.t.Fatal(err)
	}
	if err := store.View(context.Background(), fn); err != nil {
		c.t.Fatal(err)
	}
}

func (c *crashSend) notice() *incidents.Notice {
	var n *incidents.Notice
	c.view(func(tx incidents.Tx) error {
		var err error
		n, err = tx.Notice("INC-2026-0001", "N1")
		return err
	})
	return n
}

// inDoubt returns the addresses recorded as in doubt.
func (c *crashSend) inDoubt() map[string]bool {
	doubt := map[string]bool{}
	c.view(func(tx incidents.Tx) error {
		n, err := tx.Notice("INC-2026-0001", "N1")
		if err != nil {
			return err
		}
		return tx.Deliveries("INC-2026-0001", "N1", incidents.DeliveryInDoubt, func(seq int64, _ incidents.Delivery) error {
			r, err := tx.Recipient(n.Recipients.ID, seq)
			doubt[r.Email] = true
			return err
		})
	})
	return doubt
}
