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

func TestSendingSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 20,000 messages")
	}
	// A fixed small window, and the default one that grows with a fast
	// server up to 32 per connection: either bounds who can be doubled.
	t.Run("window 4", func(t *testing.T) { sendThroughSIGKILL(t, "notice_window: 4\n", 4+4) })
	t.Run("default window", func(t *testing.T) { sendThroughSIGKILL(t, "", 32*4) })
}

func sendThroughSIGKILL(t *testing.T, window string, maxPossible int) {
	srv := smtptest.Start(t)
	e := newNoticeEnv(t, window+"smtp_connections: 4\n")
	e.env["SMTP_ADDR"], e.env["SMTP_TLS"], e.env["SMTP_FROM"] = srv.Addr, "none", "privacy@acme.example"
	var csv strings.Builder
	csv.WriteString("email,name,country,region\n")
	for i := range crashRecipients {
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

	env := map[string]string{"BREACHBOT_DB": e.db}
	for k, v := range e.env {
		env[k] = v
	}
	// First process: starts the send and is killed part-way.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	cmd, out1 := breachbotProcess(t, env, pr, "console", "--user", "U_LEAD", "--config", e.cfg)
	pr.Close()
	fmt.Fprintln(pw, "/breach notice send --incident INC-2026-0001")
	deadline := time.Now().Add(2 * time.Minute)
	for srv.Count() < 1+crashRecipients/4 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the send did not get going: %d messages; output:\n%s", srv.Count(), out1)
		}
		time.Sleep(5 * time.Millisecond) // polling a live process, not waiting for a deadline
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	atKill := srv.Count() - 1
	if atKill >= crashRecipients {
		t.Fatalf("all %d were sent before the kill; the test proves nothing", atKill)
	}
	t.Logf("killed after %d of %d messages", atKill, crashRecipients)

	// Second process: recovers, resumes and finishes before it exits.
	empty, _ := os.Open(os.DevNull)
	defer empty.Close()
	cmd2, out2 := breachbotProcess(t, env, empty, "console", "--user", "U_LEAD", "--config", e.cfg)
	done := make(chan error, 1)
	go func() { done <- cmd2.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("restart: %v\n%s", err, out2)
		}
	case <-time.After(5 * time.Minute):
		cmd2.Process.Kill()
		t.Fatalf("the restarted process did not finish:\n%s", out2)
	}
	if !strings.Contains(out2.String(), "Notice N1 of INC-2026-0001 is sent: ") {
		t.Errorf("the restart did not say the notice is sent:\n%s", out2)
	}

	// Who got what.
	got := map[string]int{}
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			got[to]++
		}
	}
	store, err := boltstore.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, err := os.ReadFile(filepath.Join(e.dir, "breachbot.db.key"))
	if err != nil {
		t.Fatal(err)
	}
	k, _ := boltstore.ParseKey(string(key))
	if err := store.SetEncryptionKey(k); err != nil {
		t.Fatal(err)
	}
	possible := map[string]bool{}
	var n *incidents.Notice
	err = store.View(context.Background(), func(tx incidents.Tx) error {
		var err error
		if n, err = tx.Notice("INC-2026-0001", "N1"); err != nil {
			return err
		}
		return tx.Deliveries("INC-2026-0001", "N1", incidents.DeliveryPossiblyDuplicate, func(seq int64, _ incidents.Delivery) error {
			r, err := tx.Recipient(n.Recipients.ID, seq)
			possible[r.Email] = true
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s := n.Send
	t.Logf("sent %d, possibly duplicated %d (recovered %d), runs %d", s.Sent, s.PossiblyDuplicate, s.Recovered, s.Runs)
	if n.State != incidents.NoticeSent || s.Sent+s.PossiblyDuplicate != crashRecipients || s.InFlight != 0 || s.FailedTemporary+s.FailedPermanent != 0 {
		t.Errorf("notice %s: %+v", n.State, s)
	}
	if int64(len(possible)) != s.PossiblyDuplicate || s.Recovered != s.PossiblyDuplicate {
		t.Errorf("%d recipients recorded as possibly duplicated, counters say %d (recovered %d)", len(possible), s.PossiblyDuplicate, s.Recovered)
	}
	// At most the window was in flight.
	if len(possible) > maxPossible {
		t.Errorf("%d possibly duplicated; at most %d can have been in flight", len(possible), maxPossible)
	}
	for i := range crashRecipients {
		addr := fmt.Sprintf("person%05d@example.com", i)
		switch c := got[addr]; {
		case c == 1:
		case c == 0 && !possible[addr]:
			t.Errorf("%s got no message and is not recorded as possibly duplicated", addr)
		case c > 1 && !possible[addr]:
			t.Errorf("%s got %d messages and is not recorded as possibly duplicated", addr, c)
		case c > 2:
			t.Errorf("%s got %d messages", addr, c)
		}
	}
}
