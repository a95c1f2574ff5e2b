package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/internal/metrics"
)

// BenchmarkMetricsScrape measures one GET /metrics with 10,000 open
// incidents (each with a running clock): the time to answer and the heap it
// allocates. The obligations gauge reads counts the store keeps as
// incidents are written, so neither grows with the incidents.
func BenchmarkMetricsScrape(b *testing.B) {
	store, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	populate(b, store, benchPlaybook(2400), 10000, time.Now())
	srv := httptest.NewServer(metrics.New(store).Handler())
	defer srv.Close()
	scrape := func() string {
		resp, err := http.Get(srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("scrape: %d %v", resp.StatusCode, err)
		}
		return string(body)
	}
	if body := scrape(); !strings.Contains(body, `breachbot_obligations{phase="running"} 10000`) {
		b.Fatalf("the scrape does not count 10,000 running clocks:\n%s", body)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var worst time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		scrape()
		worst = max(worst, time.Since(start))
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/1024, "KiB-alloc/scrape")
}
