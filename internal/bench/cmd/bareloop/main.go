// Command bareloop is the baseline of the send benchmark
// (scripts/bench/send.sh): the simplest way to push N messages of a given
// size through an SMTP server. One message is built once; one goroutine per
// connection sends its share of the N with net/smtp over one connection it
// keeps (MAIL, RCPT, DATA for each message); nothing is rendered, persisted
// or retried.
//
//	bareloop -addr HOST:PORT -messages 100000 -conns 4 -size 3800
//
// -size is the length of the message as the server receives it (CRLF line
// ends, before dot-stuffing; the message has no line starting with a dot).
// It prints the client's own count and time; the figure that counts is the
// sink's.
package main

import (
	"flag"
	"fmt"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "", "SMTP server host:port")
	messages := flag.Int("messages", 100000, "how many messages to send in all")
	conns := flag.Int("conns", 4, "connections, one goroutine each")
	size := flag.Int("size", 3800, "bytes per message as the server receives it")
	flag.Parse()
	if *addr == "" || *messages < 1 || *conns < 1 {
		fmt.Fprintln(os.Stderr, "usage: bareloop -addr HOST:PORT [-messages N] [-conns C] [-size BYTES]")
		os.Exit(2)
	}
	msg, err := message(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bareloop:", err)
		os.Exit(2)
	}
	start := time.Now()
	if err := send(*addr, msg, *messages, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "bareloop:", err)
		os.Exit(1)
	}
	took := time.Since(start)
	fmt.Printf("sent %d messages of %d bytes over %d connections in %.3f s (%.1f/s, client's clock)\n", *messages, len(msg), *conns, took.Seconds(), float64(*messages)/took.Seconds())
}

// send sends msg n times over conns connections, each taking an equal
// share (the first n%conns one more).
func send(addr string, msg []byte, n, conns int) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i := range conns {
		share := n / conns
		if i < n%conns {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := loop(addr, msg, share); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// loop sends msg n times over one connection.
func loop(addr string, msg []byte, n int) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	for range n {
		if err := c.Mail("privacy@acme.example"); err != nil {
			return err
		}
		if err := c.Rcpt("person@example.com"); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(msg); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return c.Quit()
}

// message builds a plain-text message of exactly size bytes: headers, then
// lines of 76 bytes ended with CRLF, like a quoted-printable body.
func message(size int) ([]byte, error) {
	var b strings.Builder
	b.WriteString("From: Acme Corp <privacy@acme.example>\r\nTo: <person@example.com>\r\nSubject: Notice of Data Breach from Acme Corp\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	if b.Len()+2 > size {
		return nil, fmt.Errorf("-size %d is smaller than the headers (%d bytes)", size, b.Len()+2)
	}
	line := strings.Repeat("x", 74) + "\r\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	switch rest := size - b.Len(); rest {
	case 0:
	case 1: // too short for a line of its own: lengthen the last one
		s := b.String()
		return []byte(s[:len(s)-2] + "x\r\n"), nil
	default:
		b.WriteString(strings.Repeat("y", rest-2) + "\r\n")
	}
	return []byte(b.String()), nil
}
