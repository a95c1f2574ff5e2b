package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/internal/adminapi"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// TestConsoleSkipsALineTooLong: a line over 1 MiB is refused by itself,
// and the lines after it still run.
func TestConsoleSkipsALineTooLong(t *testing.T) {
	e := newNoticeEnv(t, "")
	input := io.MultiReader(
		strings.NewReader("/breach declare Laptop stolen --aware 2026-11-27T09:00:00Z\n/breach facts affected="),
		strings.NewReader(strings.Repeat("9", 2<<20)),
		strings.NewReader("\n/breach status\n"),
	)
	m, out, errOut := testMain(t, e.db, e.clock, input, e.env)
	if code := m.Run(context.Background(), []string{"console", "--user", "U_RESP", "--config", e.cfg}); code != 0 {
		t.Fatalf("console exit %d: %s", code, errOut)
	}
	mustContain(t, out.String(), "INC-2026-0001 declared: Laptop stolen", "Error: line too long (max 1 MiB)", "INC-2026-0001: Laptop stolen")
	if strings.Contains(out.String(), "facts recorded") {
		t.Errorf("the long line was carried out:\n%.2000s", out)
	}
}

// TestConsoleStopsOnSIGTERMDuringRelayBackoff runs the real binary sending
// a notice to a relay that refuses connections (it went down after the
// test message): SIGTERM stops the console within a few seconds, and a
// second signal ends it at once.
func TestConsoleStopsOnSIGTERMDuringRelayBackoff(t *testing.T) {
	relay := smtptest.Start(t)
	e := approvedOverSMTP(t, relay, 40, "")
	relay.Close() // from now on the relay's port refuses connections

	env := append(os.Environ(), "BREACHBOT_TEST_AS_MAIN=1", "BREACHBOT_DB="+e.db)
	for k, v := range e.env {
		env = append(env, k+"="+v)
	}
	start := func(t *testing.T, relayAddr string) (*exec.Cmd, *syncBuffer, chan error) {
		cmd := exec.Command(os.Args[0], "console", "--user", "U_LEAD", "--config", e.cfg)
		cmd.Env = append(env, "SMTP_ADDR="+relayAddr)
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				<-exited
			}
		})
		fmt.Fprintln(stdin, "/breach notice send --incident INC-2026-0001")
		deadline := time.Now().Add(30 * time.Second)
		// The first run starts the send; a later one finds it resumed.
		for !strings.Contains(out.String(), "Sending notice N1") && !strings.Contains(out.String(), "notice N1 is already sending") {
			if time.Now().After(deadline) {
				t.Fatalf("the send did not start:\n%s", out.String())
			}
			time.Sleep(10 * time.Millisecond) // polling a live process
		}
		time.Sleep(time.Second) // let the workers reach the relay's backoff
		return cmd, &out, exited
	}

	t.Run("one signal: a clean stop within seconds", func(t *testing.T) {
		cmd, out, exited := start(t, relay.Addr)
		stopsOnSIGTERM(t, cmd, exited, out, 20*time.Second)
		if _, err := os.Stat(adminapi.File(e.db)); !os.IsNotExist(err) {
			t.Errorf("admin file left behind: %v", err)
		}
		// Nothing is lost or claimed sent: nobody is left in flight (which
		// a restart would have to call possibly duplicated); everyone
		// claimed is back in the queue or failed temporarily (the relay
		// refused: for notice retry); the notice is still sending, to
		// resume at the next start.
		store, err := boltstore.Open(e.db)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		var n *incidents.Notice
		store.View(context.Background(), func(tx incidents.Tx) error {
			n, err = tx.Notice("INC-2026-0001", "N1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		st := n.Send
		if n.State != incidents.NoticeSending || st.Sent != 0 || st.InFlight != 0 || st.InDoubt != 0 || st.Queued+st.FailedTemporary != st.Cursor-1 {
			t.Errorf("after the stop: notice %s, %+v", n.State, *st)
		}
	})
	t.Run("a second signal ends it at once", func(t *testing.T) {
		// A relay that accepts and never answers holds a message for the
		// whole SMTP timeout (60 s): the clean stop waits for it, a
		// second signal does not. It listens where the send started (a
		// send never resumes on another relay).
		ln, err := net.Listen("tcp", relay.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			var held []net.Conn
			defer func() {
				for _, c := range held {
					c.Close()
				}
			}()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				held = append(held, c)
			}
		}()
		cmd, out, exited := start(t, relay.Addr)
		cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(200 * time.Millisecond) // the first signal is being handled
		second := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			if took := time.Since(second); took > time.Second {
				t.Errorf("took %v after the second signal", took)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("still running 20 s after two signals:\n%s", out.String())
		}
	})
}

// TestServeStopsOnSIGTERMDuringRelayBackoff: serve resumes a notice send
// to a relay that hangs up on every connection; SIGTERM stops it within a
// few seconds all the same.
func TestServeStopsOnSIGTERMDuringRelayBackoff(t *testing.T) {
	relay := smtptest.Start(t)
	e := approvedOverSMTP(t, relay, 40, "")
	// Start the send in a console that is killed at once: the send is
	// durable, and serve resumes it.
	relay.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close() // hang up before the greeting: a temporary failure
		}
	}()
	e.env["SMTP_ADDR"] = ln.Addr().String()
	env := map[string]string{"BREACHBOT_DB": e.db}
	for k, v := range e.env {
		env[k] = v
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	console, consoleOut := breachbotProcess(t, env, pr, "console", "--user", "U_LEAD", "--config", e.cfg)
	pr.Close()
	fmt.Fprintln(pw, "/breach notice send --incident INC-2026-0001")
	deadline := time.Now().Add(30 * time.Second)
	for accepted.Load() == 0 {
		if time.Now().After(deadline) {
			console.Process.Kill()
			console.Wait()
			t.Fatalf("the send never reached the relay:\n%s", consoleOut)
		}
		time.Sleep(10 * time.Millisecond) // polling a live process
	}
	console.Process.Kill()
	console.Wait()

	ws := workspacetest.New(t)
	cmd := exec.Command(os.Args[0], "serve", "--config", e.cfg)
	cmd.Env = append(os.Environ(), "BREACHBOT_TEST_AS_MAIN=1", "BREACHBOT_DB="+e.db, "BREACHBOT_HTTP_ADDR=127.0.0.1:0",
		"SLACK_BOT_TOKEN=xoxb-test", "SLACK_SIGNING_SECRET=s", "SLACK_API_URL="+ws.APIURL())
	for k, v := range e.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()
	start, seen := time.Now(), accepted.Load()
	for accepted.Load() < seen+6 { // a few rounds of reconnecting: the backoff has grown
		if time.Since(start) > 60*time.Second {
			t.Fatalf("serve did not resume the send:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond) // polling a live process
	}
	stopsOnSIGTERM(t, cmd, exited, &out, 40*time.Second)
}

// stopsOnSIGTERM sends SIGTERM to a running breachbot and checks that it
// exits cleanly within 8 s, giving up (and failing) after limit.
func stopsOnSIGTERM(t *testing.T, cmd *exec.Cmd, exited <-chan error, out *syncBuffer, limit time.Duration) {
	t.Helper()
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, out.String())
		}
		if took := time.Since(sent); took > 8*time.Second {
			t.Errorf("took %v to stop", took)
		}
	case <-time.After(limit):
		t.Fatalf("still running %v after SIGTERM:\n%s", limit, out.String())
	}
}
