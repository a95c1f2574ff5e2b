package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/notifiers/slack"
	"github.com/breachbot/breachbot/notifiers/slack/workspacetest"
	"github.com/breachbot/breachbot/playbooks"
)

const ackSecret = "ack-bench-signing-secret"

// ackIncidents is how many open incidents the database holds besides the
// one the commands act on (BENCH_ACK_INCIDENTS, default 1,000).
func ackIncidents() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ACK_INCIDENTS")); err == nil && n >= 0 {
		return n
	}
	return 1000
}

// BenchmarkSlashCommandAck sends bursts of 200 signed slash commands at
// once over loopback HTTP to the Slack adapter in this process, with the
// production ack budget, real bbolt (1,000 other open incidents) and the
// fake workspace as Slack, and measures the time to each acknowledgement;
// each burst's answers are waited for before the next. One sub-benchmark
// per command of issue 15's target (p99 < 50 ms): help, deadlines, and a
// facts change, typed in the incident's channel. The out-of-process
// measurement is scripts/bench/ack.sh.
//
//	go test -run='^$' -bench=SlashCommandAck -benchtime=5x ./internal/bench/
func BenchmarkSlashCommandAck(b *testing.B) {
	e := newAckEnv(b)
	for _, c := range []struct{ name, text string }{
		{"help", "help"},
		{"deadlines", "deadlines"},
		{"facts", "facts affected=%d"},
	} {
		b.Run(c.name, func(b *testing.B) { e.bursts(b, c.text, 200) })
	}
}

type ackEnv struct {
	ws      *workspacetest.Workspace
	srv     *httptest.Server
	channel string
	client  *http.Client
	seq     int
}

func newAckEnv(b *testing.B) *ackEnv {
	b.Helper()
	ws := workspacetest.New(b)
	ws.SetGroup("S0RESP", "U0ALICE")
	store, err := boltstore.Open(filepath.Join(b.TempDir(), "breachbot.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	client := slackapi.New("xoxb-bench", slackapi.OptionAPIURL(ws.APIURL()),
		slackapi.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := slack.NewDirectory(client, map[string][]string{
		incidents.RoleResponders: {"S0RESP"}, incidents.RoleLeads: {"U0LEAD"}, incidents.RoleLegal: {"U0DPO"}}, log)
	if err := dir.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	svc := incidents.NewService(incidents.Config{Store: store, Playbooks: playbooks.New(playbooks.Embedded(), "embedded"), Roles: dir, Logger: log})
	store.SetNoSync(true) // setup only
	for i := range ackIncidents() {
		if _, err := svc.Declare(context.Background(), "U0LEAD", incidents.DeclareInput{Title: fmt.Sprint("Seeded incident ", i),
			AwareAt: time.Now().Add(-2 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	store.SetNoSync(false)
	router := commands.NewRouter(svc, commands.RouterOptions{Log: log, UserName: dir.UserName, Mentions: true})
	bot, err := slack.New(slack.Config{Client: client, Service: svc, Router: router, State: store.SlackState(),
		Directory: dir, SigningSecret: ackSecret, Log: log})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", bot.CommandsHandler())
	srv := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	dispatched := make(chan struct{})
	go func() { incidents.NewDispatcher(svc, bot).Run(ctx); close(dispatched) }()
	b.Cleanup(func() {
		srv.Close()
		cancel()
		<-dispatched
		bot.Close()
	})
	e := &ackEnv{ws: ws, srv: srv, client: &http.Client{Transport: &http.Transport{MaxIdleConns: 400, MaxIdleConnsPerHost: 400}}}
	out := e.send(b, "C0GENERAL", []string{`declare Customer DB exposed --aware 2h ago --facts "jurisdictions=EU,US-CA data=email"`})[0]
	link := regexp.MustCompile(`(?:<|\\u003c)#(C[A-Z0-9]+)`)
	ws.WaitFor("the incident's channel linked in the declare's answer", func() bool {
		text := out.body
		for _, r := range ws.Responses(out.trigger) {
			text += r.Text + r.BlocksText()
		}
		m := link.FindStringSubmatch(text)
		if m != nil {
			e.channel = m[1]
		}
		return m != nil
	})
	return e
}

type ackOutcome struct {
	trigger, body string
	took          time.Duration
}

// send posts the commands at once, signed, and returns their
// acknowledgements.
func (e *ackEnv) send(b *testing.B, channel string, texts []string) []ackOutcome {
	b.Helper()
	users := []string{"U0ALICE", "U0LEAD", "U0DPO"}
	reqs := make([]*http.Request, len(texts))
	out := make([]ackOutcome, len(texts))
	for i, text := range texts {
		e.seq++
		out[i].trigger = fmt.Sprint("ack-", e.seq)
		c := workspacetest.Command{User: users[i%len(users)], Channel: channel, Text: text, TriggerID: out[i].trigger, ResponseURL: e.ws.ResponseURL(out[i].trigger)}
		reqs[i] = workspacetest.Request(e.srv.URL+"/slack/commands", ackSecret, time.Now(), c.Form().Encode())
	}
	var wg sync.WaitGroup
	gun := make(chan struct{})
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gun
			t0 := time.Now()
			resp, err := e.client.Do(reqs[i])
			if err != nil {
				b.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			out[i].took, out[i].body = time.Since(t0), string(body)
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d: %s", resp.StatusCode, body)
			}
		}()
	}
	close(gun)
	wg.Wait()
	return out
}

// bursts sends b.N bursts of n commands and reports the acknowledgements'
// p50, p99 and max, and how many were answered in the acknowledgement.
func (e *ackEnv) bursts(b *testing.B, text string, n int) {
	var all []time.Duration
	inline := 0
	for b.Loop() {
		texts := make([]string, n)
		for i := range texts {
			texts[i] = text
			if slices.Contains([]byte(text), '%') {
				texts[i] = fmt.Sprintf(text, 1000+e.seq+i)
			}
		}
		out := e.send(b, e.channel, texts)
		b.StopTimer()
		e.ws.WaitFor("every answer of the burst", func() bool {
			for _, o := range out {
				if o.body == "" && len(e.ws.Responses(o.trigger)) == 0 {
					return false
				}
			}
			return true
		})
		b.StartTimer()
		for _, o := range out {
			all = append(all, o.took)
			if o.body != "" {
				inline++
			}
		}
	}
	slices.Sort(all)
	q := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(float64(len(all))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(100*float64(inline)/float64(len(all)), "%answered-in-ack")
}
