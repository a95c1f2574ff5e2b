package slack_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
)

// BenchmarkSlashCommandAcks sends 200 signed slash commands at once over
// loopback HTTP and measures how long each waits for its acknowledgement
// (signature check, replay record on disk, the command, Block Kit). One in
// ten records facts (a write transaction with fsync); the rest read the
// deadlines board. Every request must be acknowledged with 200.
//
//	go test -run='^$' -bench=SlashCommandAcks -benchtime=5x ./notifiers/slack/
func BenchmarkSlashCommandAcks(b *testing.B) {
	e := newEnv(b, envOptions{})
	_, ack, _ := e.command(alice, "C0GENERAL", `declare Customer DB exposed --aware 2h ago --facts "jurisdictions=EU,US-CA"`)
	if ack == "" {
		b.Fatal("declare not acknowledged with its answer")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 400, MaxIdleConnsPerHost: 400, MaxConnsPerHost: 400}}
	const n = 200
	var all []time.Duration
	inline := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reqs := make([]*http.Request, n)
		for j := range reqs {
			text := "deadlines --incident INC-2026-0001"
			if j%10 == 0 && os.Getenv("BENCH_READONLY") == "" {
				text = fmt.Sprintf("facts affected=%d --incident INC-2026-0001", 1000+i*n+j)
			}
			user := []string{alice, bob, lead, dpo}[j%4]
			trigger := fmt.Sprintf("bench-%d-%d", i, j)
			c := workspacetest.Command{User: user, Channel: "C0GENERAL", Text: text, TriggerID: trigger, ResponseURL: e.ws.ResponseURL(trigger)}
			reqs[j] = workspacetest.Request(e.srv.URL+"/slack/commands", secret, time.Now(), c.Form().Encode())
		}
		lat := make([]time.Duration, n)
		bodies := make([]int, n)
		var wg sync.WaitGroup
		startGun := make(chan struct{})
		for j := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startGun
				t0 := time.Now()
				resp, err := client.Do(reqs[j])
				if err != nil {
					b.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat[j] = time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					b.Errorf("HTTP %d: %s", resp.StatusCode, body)
				}
				bodies[j] = len(body)
			}()
		}
		close(startGun)
		wg.Wait()
		b.StopTimer()
		// Let the answers sent through response_url arrive before the next burst.
		e.ws.WaitFor("every answer", func() bool {
			for j := range reqs {
				if bodies[j] == 0 && len(e.ws.Responses(fmt.Sprintf("bench-%d-%d", i, j))) == 0 {
					return false
				}
			}
			return true
		})
		b.StartTimer()
		all = append(all, lat...)
		for _, l := range bodies {
			if l > 0 {
				inline++
			}
		}
	}
	b.StopTimer()
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(100*float64(inline)/float64(len(all)), "%answered-inline")
	if p99 := pct(0.99); p99 > 100*time.Millisecond {
		b.Logf("p99 ack %s is over the 100 ms target", p99)
	}
}
