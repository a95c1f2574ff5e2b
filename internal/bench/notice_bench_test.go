package bench

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/smtp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/playbooktest"
	"github.com/breachbot/breachbot/notifiers/email"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
	"github.com/breachbot/breachbot/templates"
)

func noticeService(b *testing.B, store *boltstore.Store, mailer incidents.Mailer) *incidents.Service {
	b.Helper()
	set, err := templates.New(nil, "embedded")
	if err != nil {
		b.Fatal(err)
	}
	if err := store.SetEncryptionKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		b.Fatal(err)
	}
	return incidents.NewService(incidents.Config{Store: store, Playbooks: playbooktest.Static{benchPlaybook(72)}, Notices: templates.NewRenderer(set), Mailer: mailer,
		Company: incidents.Company{Name: "Acme Corp", ContactEmail: "privacy@acme.example"}})
}

func peakRSSMiB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // Linux: KiB
}

// rssNow reads the resident anonymous and file-backed (the bbolt mmap)
// memory from /proc/self/status.
func rssNow() (anon, file float64) {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			v, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "RssAnon:":
				anon = v / 1024
			case "RssFile:":
				file = v / 1024
			}
		}
	}
	return anon, file
}

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// writeCSV writes n people to a file without holding them in memory.
func writeCSV(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("email,name,country,region,locale,data_categories,customer_id\n")
	states := []string{"CA", "NY", "TX", "WA", "FL"}
	for i := range n {
		if i%3 == 0 {
			fmt.Fprintf(w, "Person.%07d@Example.com,Person %d,DE,,de,email,%d\n", i, i, i)
		} else {
			fmt.Fprintf(w, "person.%07d@example.com,\"Person, %d\",US,%s,en,email;password_hash,%d\n", i, i, states[i%5], i)
		}
	}
	if i := n / 100; i > 0 { // 1% duplicates
		for j := range i {
			fmt.Fprintf(w, "PERSON.%07d@example.com,Dupe,US,CA,en,email,0\n", j*3+1)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// BenchmarkImport imports a 1,000,000-row CSV (validation, de-duplication,
// encryption, batched transactions) and reports rows/s and peak RSS:
//
//	go test -run='^$' -bench=Import -benchtime=1x ./internal/bench/
func BenchmarkImport(b *testing.B) {
	dir := b.TempDir()
	n := benchRows()
	csv := filepath.Join(dir, "people.csv")
	writeCSV(b, csv, n)
	st, _ := os.Stat(csv)
	for b.Loop() {
		store, err := boltstore.Open(filepath.Join(dir, fmt.Sprint("import", time.Now().UnixNano(), ".db")))
		if err != nil {
			b.Fatal(err)
		}
		svc := noticeService(b, store, nil)
		res, err := svc.Declare(context.Background(), "U1", incidents.DeclareInput{Title: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		f, _ := os.Open(csv)
		start := time.Now()
		rep, err := svc.ImportRecipients(context.Background(), "U1", res.Incident.ID, f, incidents.ImportInput{Size: st.Size()})
		took := time.Since(start)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Rows)/took.Seconds(), "rows/s")
		b.ReportMetric(took.Seconds(), "import-s")
		b.ReportMetric(float64(rep.Imported), "people")
		b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
		anon, file := rssNow()
		b.ReportMetric(anon, "end-RssAnon-MiB")
		b.ReportMetric(file, "end-RssFile-MiB")
		b.ReportMetric(float64(st.Size())/(1<<20), "file-MiB")
		store.Close()
	}
}

func sendCount() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_SENDS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

func sendRounds() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 5
}

// BenchmarkSend sends 100,000 personalised notices (render, compose,
// in-flight and sent marks in bbolt, the send journal) to a local SMTP sink
// that discards, and in the same run the bare loop: the same number of
// pre-built messages of the same size, one goroutine per connection, each
// with one net/smtp connection it keeps, nothing persisted. Each side sends
// to a fresh sink, and its rate is the sink's: from the first to the last
// message received. The machine is shared, so the pair is measured
// BENCH_ROUNDS times (5), the order alternating, and the median ratio is
// reported with the lowest and highest (BENCH_SENDS sets the number of
// notices, BENCH_WINDOW fixes the claim window). scripts/bench/send.sh
// measures the same out of process, with the real binary.
//
//	go test -run='^$' -bench='Send$' -benchtime=1x ./internal/bench/
func BenchmarkSend(b *testing.B) {
	n := sendCount()
	msg := bareMessage(b)
	for _, conns := range []int{4, 8} {
		b.Run(fmt.Sprintf("connections=%d", conns), func(b *testing.B) {
			for b.Loop() {
				type round struct{ bare, full, ratio, bareCPU, fullCPU float64 }
				var rounds []round
				for r := range sendRounds() {
					var x round
					measureBare := func() {
						c0 := cpuTime()
						x.bare = bareRate(b, msg, conns, n)
						x.bareCPU = float64((cpuTime() - c0).Microseconds()) / float64(n)
					}
					measureFull := func() {
						full, cpu := fullRate(b, conns, n)
						x.full, x.fullCPU = full, float64(cpu.Microseconds())/float64(n)
					}
					if r%2 == 0 {
						measureBare()
						measureFull()
					} else {
						measureFull()
						measureBare()
					}
					x.ratio = 100 * x.full / x.bare
					b.Logf("round %d: %.0f notices/s, bare %.0f msgs/s: %.1f%% of bare (CPU %.0f vs %.0f µs/msg)", r+1, x.full, x.bare, x.ratio, x.fullCPU, x.bareCPU)
					rounds = append(rounds, x)
				}
				slices.SortFunc(rounds, func(a, b round) int { return cmp.Compare(a.ratio, b.ratio) })
				med := rounds[len(rounds)/2]
				b.ReportMetric(float64(len(msg)), "msg-bytes")
				b.ReportMetric(med.full, "notices/s")
				b.ReportMetric(med.bare, "bare-msgs/s")
				b.ReportMetric(med.bareCPU, "bare-cpu-µs/msg")
				b.ReportMetric(med.fullCPU, "full-cpu-µs/msg")
				b.ReportMetric(med.ratio, "%-of-bare")
				b.ReportMetric(rounds[0].ratio, "min-%-of-bare")
				b.ReportMetric(rounds[len(rounds)-1].ratio, "max-%-of-bare")
			}
		})
	}
}

// sink starts a fresh SMTP server that counts and discards.
func sink(b *testing.B) *smtptest.Server {
	srv, err := smtptest.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv.Set(smtptest.Behaviour{Discard: true})
	return srv
}

// sinkRate is the rate of n messages as srv saw them arrive: from the
// first to the last.
func sinkRate(b *testing.B, srv *smtptest.Server, n int) float64 {
	if got := srv.Count(); got != n {
		b.Fatalf("the sink received %d messages, want %d", got, n)
	}
	first, last := srv.Arrivals()
	return float64(n-1) / last.Sub(first).Seconds()
}

// bareMessage is a real notice rendered once from the same templates and
// draft as the full run and composed once: the bare loop sends these bytes,
// so both sides move messages of the same size.
func bareMessage(b *testing.B) []byte {
	set, err := templates.New(nil, "embedded")
	if err != nil {
		b.Fatal(err)
	}
	content, err := templates.NewRenderer(set).Render("breach-notice", "en", incidents.NoticeData{
		Company: incidents.Company{Name: "Acme Corp", ContactEmail: "privacy@acme.example"},
		Incident: incidents.NoticeIncident{ID: "INC-2026-0001", WhatHappened: strings.Repeat("What happened. ", 20),
			WhatWeAreDoing: "We fixed it.", WhatYouCanDo: "Change your password.", DataCategories: []string{"email", "password_hash"},
			DiscoveredAt: time.Now().Add(-time.Hour)},
		Notice: incidents.NoticeReference{ID: "N1"},
	}, incidents.Recipient{Email: "person.0000001@example.com", Name: "Person 1", Country: "US", Region: "CA", Locale: "en"})
	if err != nil {
		b.Fatal(err)
	}
	msg, err := email.Compose("privacy@acme.example", &incidents.Mail{To: "person.0000001@example.com", MessageID: "x@acme.example", Incident: "INC-2026-0001",
		Content: content})
	if err != nil {
		b.Fatal(err)
	}
	return msg
}

// bareRate is the bare loop: msg sent n times over conns connections to a
// fresh sink, one goroutine per connection sending its share with net/smtp
// over the one connection it keeps. Nothing else: no pool, no retries, no
// rendering, nothing persisted.
func bareRate(b *testing.B, msg []byte, conns, n int) float64 {
	srv := sink(b)
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range conns {
		share := n / conns
		if i < n%conns {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := smtp.Dial(srv.Addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			for range share {
				if err := c.Mail("privacy@acme.example"); err != nil {
					b.Error(err)
					return
				}
				if err := c.Rcpt("person.0000001@example.com"); err != nil {
					b.Error(err)
					return
				}
				w, err := c.Data()
				if err != nil {
					b.Error(err)
					return
				}
				if _, err := w.Write(msg); err != nil {
					b.Error(err)
					return
				}
				if err := w.Close(); err != nil {
					b.Error(err)
					return
				}
			}
			c.Quit()
		}()
	}
	wg.Wait()
	return sinkRate(b, srv, n)
}

// fullRate sends an approved notice to n people over conns connections of
// breachbot's SMTP sender to a fresh sink; it returns the sink's rate and
// the process CPU time of the sending alone.
func fullRate(b *testing.B, conns, n int) (float64, time.Duration) {
	srv := sink(b)
	defer srv.Close()
	sender, err := email.New(email.Config{Addr: srv.Addr, From: "privacy@acme.example", TLS: "none", Connections: conns})
	if err != nil {
		b.Fatal(err)
	}
	defer sender.Close()
	// The sink forgets the test message before the send starts.
	_, cpu := fullRateMailer(b, sender, n, srv.Forget)
	return sinkRate(b, srv, n), cpu
}

// fullRateMailer sets up an approved notice to n people and sends it; it
// returns the rate and the process CPU time of the sending alone. It calls
// beforeSend, if set, when everything but the send is done.
func fullRateMailer(b *testing.B, sender incidents.Mailer, n int, beforeSend func()) (float64, time.Duration) {
	ctx := context.Background()
	store, err := boltstore.Open(filepath.Join(b.TempDir(), "send.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	svc := noticeService(b, store, sender)
	res, err := svc.Declare(ctx, "U1", incidents.DeclareInput{Title: "bench", AwareAt: time.Now().Add(-time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	id := res.Incident.ID
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		w.WriteString("email,name,country,region,locale\n")
		for i := range n {
			fmt.Fprintf(w, "person.%07d@example.com,Person %d,US,CA,en\n", i, i)
		}
		w.Flush()
		pw.Close()
	}()
	store.SetNoSync(true) // setup only
	if _, err := svc.ImportRecipients(ctx, "U1", id, pr, incidents.ImportInput{}); err != nil {
		b.Fatal(err)
	}
	steps := []func() error{
		func() error {
			_, err := svc.DraftNotice(ctx, "U1", id, incidents.DraftInput{Fields: map[string]string{
				"what_happened": strings.Repeat("What happened. ", 20), "what_we_are_doing": "We fixed it.", "what_you_can_do": "Change your password.",
				"data_categories": "email,password_hash"}})
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
			b.Fatal(err)
		}
	}
	store.SetNoSync(os.Getenv("BENCH_NOSYNC") == "1")
	// The send journal, as breachbot runs it (Recover makes it the
	// sender's to rotate and reset).
	journal := store.SendJournal()
	defer journal.Close()
	opt := incidents.NoticeSenderOptions{Journal: journal}
	if w, err := strconv.Atoi(os.Getenv("BENCH_WINDOW")); err == nil {
		opt.Window = w
	}
	sender2 := incidents.NewNoticeSender(svc, opt)
	if _, err := sender2.Recover(ctx); err != nil {
		b.Fatal(err)
	}
	if beforeSend != nil {
		beforeSend()
	}
	start, cpu0 := time.Now(), cpuTime()
	if err := sender2.SendPending(ctx); err != nil {
		b.Fatal(err)
	}
	took, cpu := time.Since(start), cpuTime()-cpu0
	st, err := svc.NoticeStatus(ctx, "U1", id, "")
	if err != nil {
		b.Fatal(err)
	}
	if st.Notice.State != incidents.NoticeSent || st.Notice.Send.Sent != int64(n) {
		b.Fatalf("notice %s, %+v", st.Notice.State, st.Notice.Send)
	}
	return float64(n) / took.Seconds(), cpu
}

type nullMailer struct{ conns int }

func (m nullMailer) Send(context.Context, *incidents.Mail) error { return nil }
func (m nullMailer) Connections() int                            { return m.conns }
func (m nullMailer) Describe() string                            { return "nowhere" }

// BenchmarkSendNullMailer measures the sender's own ceiling: rendering and
// the durable per-recipient marks, with a mailer that accepts instantly.
func BenchmarkSendNullMailer(b *testing.B) {
	for b.Loop() {
		rate, cpu := fullRateMailer(b, nullMailer{4}, sendCount()/5, nil)
		b.ReportMetric(rate, "notices/s")
		b.ReportMetric(float64(cpu.Microseconds())/float64(sendCount()/5), "cpu-µs/notice")
	}
}
