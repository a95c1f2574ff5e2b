package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/incidents/playbooktest"
)

// benchPlaybook has one obligation with nine reminders and an escalation:
// ten pending alarms per incident.
func benchPlaybook(hours int) *incidents.Playbook {
	var rem []incidents.ReminderSpec
	for h := 1; h <= 9; h++ {
		rem = append(rem, incidents.ReminderSpec{Before: time.Duration(h) * time.Hour})
	}
	return &incidents.Playbook{
		ID: "bench", Version: "1", Title: "bench", SHA256: fmt.Sprint("sha", hours), Catalog: incidents.CatalogRef{SHA256: "c"},
		Facts:     []incidents.FactDef{{Name: "affected", Type: incidents.FactNumber}},
		Events:    []incidents.EventDef{{Name: "awareness"}},
		Steps:     []incidents.StepDef{{ID: "triage", Title: "Triage", Owner: incidents.RoleResponders}},
		Reminders: rem,
		Obligations: []incidents.ObligationRule{{ID: "clock", Regulation: incidents.Regulation{ID: "clock", Title: "Clock", Status: incidents.StatusInForce,
			Deadline: incidents.Deadline{Start: "awareness", Amount: hours, Unit: incidents.UnitHours}}}},
	}
}

func service(store *boltstore.Store, pb *incidents.Playbook) *incidents.Service {
	return incidents.NewService(incidents.Config{Store: store, Playbooks: playbooktest.Static{pb}})
}

// populate declares n incidents with ten pending alarms each, without fsync
// (setup only).
func populate(b *testing.B, store *boltstore.Store, pb *incidents.Playbook, n int, aware time.Time) {
	b.Helper()
	store.SetNoSync(true)
	defer store.SetNoSync(false)
	svc := service(store, pb)
	for i := 0; i < n; i++ {
		if _, err := svc.Declare(context.Background(), "U1", incidents.DeclareInput{Title: fmt.Sprint("incident ", i), AwareAt: aware}); err != nil {
			b.Fatal(err)
		}
	}
}

func countAlarms(b *testing.B, store *boltstore.Store) int {
	n := 0
	store.View(context.Background(), func(tx incidents.Tx) error {
		alarms, err := tx.DueAlarms(time.Now().Add(1000*24*time.Hour), 1<<30)
		n = len(alarms)
		return err
	})
	return n
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[int(float64(len(d)-1)*p)]
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSchedulerStartup measures opening a database holding 100,000
// pending alarms across 10,000 incidents and finding the next one due, and
// the CPU the scheduler uses while nothing is due.
func BenchmarkSchedulerStartup(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	store, err := boltstore.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	populate(b, store, benchPlaybook(2400), 10000, time.Now())
	if n := countAlarms(b, store); n != 100000 {
		b.Fatalf("%d alarms pending, want 100000", n)
	}
	store.Close()
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s, err := boltstore.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		var next incidents.Alarm
		s.View(context.Background(), func(tx incidents.Tx) error { next, _, err = tx.NextAlarm(); return err })
		took := time.Since(start)
		worst = max(worst, took)
		if next.Incident == "" {
			b.Fatal("no next alarm")
		}
		if i == b.N-1 {
			// Idle: the process's CPU over 2 s without, then with, the
			// scheduler sleeping on 100,000 pending alarms.
			before := cpuTime()
			time.Sleep(2 * time.Second)
			b.ReportMetric(float64((cpuTime()-before).Microseconds())/2, "baseline-cpu-µs/s")
			ctx, cancel := context.WithCancel(context.Background())
			svc := service(s, benchPlaybook(2400))
			done := make(chan struct{})
			go func() { incidents.NewScheduler(svc).Run(ctx); close(done) }()
			time.Sleep(100 * time.Millisecond) // let it go to sleep on its timer
			before = cpuTime()
			time.Sleep(2 * time.Second)
			b.ReportMetric(float64((cpuTime()-before).Microseconds())/2, "idle-cpu-µs/s")
			cancel()
			<-done
		}
		s.Close()
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-startup-ms")
}

// latencyNotifier records how late each escalation was delivered.
type latencyNotifier struct {
	mu    sync.Mutex
	lates []time.Duration
	want  int
	done  chan struct{}
}

func (l *latencyNotifier) Notify(_ context.Context, n incidents.Notification) error {
	if n.Kind != incidents.NotifyEscalation || n.Audience != incidents.AudienceIncident {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lates = append(l.lates, time.Since(n.AlarmAt))
	if len(l.lates) == l.want {
		close(l.done)
	}
	return nil
}

// BenchmarkSchedulerLateness measures how late alarms fire and are
// delivered with the real clock: 2,000 escalations come due over two
// seconds while 100,000 other alarms are pending.
func BenchmarkSchedulerLateness(b *testing.B) {
	const due = 2000
	path := filepath.Join(b.TempDir(), "bench.db")
	store, err := boltstore.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	populate(b, store, benchPlaybook(2400), 10000, time.Now())
	// One-hour clocks whose awareness was just under an hour ago: only the
	// escalation is still ahead, spread over two seconds from now+3s.
	base := time.Now().Add(-time.Hour + 3*time.Second)
	store.SetNoSync(true)
	svc := service(store, benchPlaybook(1))
	for i := 0; i < due; i++ {
		aware := base.Add(time.Duration(i) * time.Millisecond)
		if _, err := svc.Declare(context.Background(), "U1", incidents.DeclareInput{Title: "soon", AwareAt: aware}); err != nil {
			b.Fatal(err)
		}
	}
	store.SetNoSync(false)
	ln := &latencyNotifier{want: due, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); incidents.NewScheduler(svc).Run(ctx) }()
	go func() { defer wg.Done(); incidents.NewDispatcher(svc, ln).Run(ctx) }()
	b.ResetTimer()
	select {
	case <-ln.done:
	case <-time.After(60 * time.Second):
		b.Fatalf("only %d of %d escalations delivered", len(ln.lates), due)
	}
	cancel()
	wg.Wait()
	b.ReportMetric(float64(percentile(ln.lates, 0.5).Microseconds())/1000, "p50-late-ms")
	b.ReportMetric(float64(percentile(ln.lates, 0.99).Microseconds())/1000, "p99-late-ms")
	b.ReportMetric(float64(percentile(ln.lates, 1).Microseconds())/1000, "max-late-ms")
}

// BenchmarkCommandRoundTrip measures a console command end to end: parse,
// one bbolt transaction (with fsync), reply, on a database of 10,000 incidents.
func BenchmarkCommandRoundTrip(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	store, err := boltstore.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	pb := benchPlaybook(72)
	populate(b, store, pb, 10000, time.Now())
	router := commands.NewRouter(service(store, pb), commands.RouterOptions{})
	ctx := context.Background()
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rep := router.Handle(ctx, commands.Request{User: "U1", Text: fmt.Sprintf("/breach facts affected=%d --incident INC-%d-5000", i+1, time.Now().UTC().Year())})
		durs = append(durs, time.Since(start))
		if rep.Error {
			b.Fatal(rep.Text())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(durs, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(durs, 0.99).Microseconds())/1000, "p99-ms")
}
