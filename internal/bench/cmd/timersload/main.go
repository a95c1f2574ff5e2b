// Command timersload measures, from outside the process, how `breachbot
// serve` copes with many pending timers and open incidents
// (scripts/bench/timers.sh runs it on a database written by
// internal/bench/cmd/seed, against internal/bench/cmd/fakeslack):
//
//   - time to ready: from exec to serve's ready line on stderr, and a 200
//     from GET /healthz;
//   - CPU while idle: utime+stime from /proc/PID/stat over a window in which
//     nothing is due;
//   - one GET /metrics: its time and VmRSS after it (/proc/PID/status);
//   - a round of the deadlines board refresher: VmRSS after it (serve logs
//     "slack: boards refreshed" at debug level);
//   - firing lateness: for every reminder due in the minute the seed set up,
//     when the fake Slack received its chat.postMessage minus its due time
//     (the second in the message's metadata key).
//
// It prints one line per target, "NAME: FIGURE (target: TARGET) PASS|FAIL",
// and exits 1 if a target was missed.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Targets of issue 15.
const (
	readyTarget   = time.Second
	idleTarget    = time.Millisecond // CPU per second of wall time
	lateTarget    = time.Second
	scrapeTarget  = 50 * time.Millisecond
	rssTargetKiB  = 64 * 1024
	boardInterval = 25 * time.Second
)

type options struct {
	breachbot string
	db        string
	slack     string
	first     time.Time
	due       int
	incidents int
	reminders int
	idle      time.Duration
	dir       string
}

func main() {
	var o options
	var first string
	flag.StringVar(&o.breachbot, "breachbot", "", "the breachbot binary")
	flag.StringVar(&o.db, "db", "", "the database the seed wrote")
	flag.StringVar(&o.slack, "slack", "", "the fake Slack's API URL (fakeslack's first line)")
	flag.StringVar(&first, "first", "", "when the first seeded reminder is due (the seed's output)")
	flag.IntVar(&o.due, "due", 10000, "reminders due in that minute")
	flag.IntVar(&o.incidents, "incidents", 10000, "open incidents in the database (for the report)")
	flag.IntVar(&o.reminders, "reminders", 1000000, "pending reminders in the database (for the report)")
	flag.DurationVar(&o.idle, "idle", 20*time.Second, "how long to measure the CPU of the idle bot")
	flag.StringVar(&o.dir, "dir", os.TempDir(), "a folder for serve's config and log (serve.log)")
	flag.Parse()
	var err error
	if o.first, err = time.Parse(time.RFC3339, first); err != nil {
		fmt.Fprintln(os.Stderr, "timersload: -first:", err)
		os.Exit(2)
	}
	ok, err := run(o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "timersload:", err, "(serve's log: serve.log in -dir)")
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// serveProcess is the running serve and what it wrote to stderr.
type serveProcess struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out strings.Builder
	// lines receives every line of stderr (dropped if nobody reads).
	lines chan string
	// log is where stderr is kept (serve.log in -dir).
	log *os.File
}

func (p *serveProcess) output() string { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }

var readyLine = regexp.MustCompile(`/healthz on (\S+), /metrics on (\S+)\.`)

func run(o options, stdout io.Writer) (bool, error) {
	cfg := filepath.Join(o.dir, "timers-bench.yaml")
	yaml := fmt.Sprintf("roles:\n  responders: [U0RESP]\n  leads: [U0LEAD]\n  legal: [U0DPO]\nlog_level: debug\nboard_refresh: %s\n", boardInterval)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return false, err
	}
	p := &serveProcess{lines: make(chan string, 1024)}
	var err error
	if p.log, err = os.Create(filepath.Join(o.dir, "serve.log")); err != nil {
		return false, err
	}
	defer p.log.Close()
	p.cmd = exec.Command(o.breachbot, "serve", "--config", cfg)
	p.cmd.Env = append(os.Environ(), "BREACHBOT_DB="+o.db, "BREACHBOT_HTTP_ADDR=127.0.0.1:0", "BREACHBOT_METRICS_ADDR=127.0.0.1:0",
		"SLACK_BOT_TOKEN=xoxb-bench", "SLACK_SIGNING_SECRET=bench", "SLACK_API_URL="+o.slack)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return false, err
	}
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		return false, err
	}
	defer func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
	}()
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			if p.log != nil {
				fmt.Fprintln(p.log, sc.Text())
			}
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		close(p.lines)
	}()
	pid := p.cmd.Process.Pid
	db, err := filepath.Abs(o.db)
	if err != nil {
		return false, err
	}
	allOK := true
	report := func(ok bool, format string, args ...any) {
		verdict := "PASS"
		if !ok {
			verdict, allOK = "FAIL", false
		}
		fmt.Fprintf(stdout, format+" %s\n", append(args, verdict)...)
	}

	// Ready: the line serve prints once it listens and its workers run.
	m, err := waitLine(p, readyLine, 30*time.Second)
	if err != nil {
		return false, fmt.Errorf("serve did not get ready: %w\n%s", err, p.output())
	}
	ready := time.Since(start)
	health, metricsURL := "http://"+m[1]+"/healthz", "http://"+m[2]+"/metrics"
	if code, _, err := get(health); err != nil || code != 200 {
		return false, fmt.Errorf("GET /healthz: %d %v", code, err)
	}
	report(ready < readyTarget, "timers ready with %s pending reminders: %.3f s (target: < 1 s)", thousands(o.reminders), ready.Seconds())

	// Idle: nothing is due until first; leave 2 s to settle first.
	time.Sleep(2 * time.Second)
	window := min(o.idle, time.Until(o.first)-time.Second-boardInterval/2)
	if window < time.Second {
		return false, fmt.Errorf("the first reminder is due too soon (%s) to measure idle CPU; seed with a later -due-after", o.first.Format(time.RFC3339))
	}
	cpu0, err := cpuTime(pid)
	if err != nil {
		return false, err
	}
	time.Sleep(window)
	cpu1, err := cpuTime(pid)
	if err != nil {
		return false, err
	}
	perSec := time.Duration(float64(cpu1-cpu0) / window.Seconds())
	report(perSec < idleTarget, "timers idle CPU: %.2f ms per s over %.0f s, nothing due (target: < 1 ms per s)", ms(perSec), window.Seconds())

	// One scrape.
	t0 := time.Now()
	code, body, err := get(metricsURL)
	took := time.Since(t0)
	if err != nil || code != 200 {
		return false, fmt.Errorf("GET /metrics: %d %v", code, err)
	}
	if !strings.Contains(string(body), `breachbot_obligations{phase="running"}`) {
		return false, errors.New("GET /metrics has no obligations gauge")
	}
	rss, err := status(pid, db)
	if err != nil {
		return false, err
	}
	report(took < scrapeTarget && rss.rss < rssTargetKiB, "metrics scrape with %s open incidents: %.1f ms, RSS %s after (target: < 50 ms, < 64 MB)",
		thousands(o.incidents), ms(took), rss)

	// A board refresh round (serve refreshes every boardInterval).
	m, err = waitLine(p, regexp.MustCompile(`boards refreshed.*`), boardInterval+2*time.Minute)
	if err != nil {
		return false, fmt.Errorf("no board refresh: %w", err)
	}
	rss, err = status(pid, db)
	if err != nil {
		return false, err
	}
	report(rss.rss < rssTargetKiB, "board refresh with %s open incidents: %s, RSS %s after (target: < 64 MB)", thousands(o.incidents), roundOf(m[0]), rss)

	// Firing: every reminder of the minute, as the fake Slack received it.
	lates, err := lateness(o, p)
	if err != nil {
		return false, err
	}
	if len(lates) < o.due {
		report(false, "timers lateness p99, %s due in one minute: only %d delivered (target: < 1 s)", thousands(o.due), len(lates))
	} else {
		slices.Sort(lates)
		p50, p99, worst := lates[len(lates)/2], lates[(len(lates)-1)*99/100], lates[len(lates)-1]
		report(p99 < lateTarget, "timers lateness p99, %s due in one minute: %.3f s (p50 %.3f s, max %.3f s) (target: < 1 s)",
			thousands(o.due), p99.Seconds(), p50.Seconds(), worst.Seconds())
	}
	if rss, err = status(pid, db); err == nil {
		fmt.Fprintf(stdout, "  (after firing: RSS %s)\n", rss)
	}
	return allOK, nil
}

// lateness waits until every reminder due in the minute from first was
// posted (or a minute after the last is due) and returns how late each was.
func lateness(o options, p *serveProcess) ([]time.Duration, error) {
	slack := strings.TrimSuffix(o.slack, "api/")
	deadline := o.first.Add(2 * time.Minute)
	for {
		code, body, err := get(slack + "bench/posts")
		if err != nil || code != 200 {
			return nil, fmt.Errorf("read the fake Slack's posts: %d %v", code, err)
		}
		var lates []time.Duration
		for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 || !strings.HasPrefix(f[2], "remind:") {
				continue
			}
			recv, err1 := strconv.ParseInt(f[0], 10, 64)
			dueSec, err2 := strconv.ParseInt(f[2][strings.LastIndexByte(f[2], ':')+1:], 10, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			due := time.Unix(dueSec, 0)
			if due.Before(o.first) || !due.Before(o.first.Add(time.Minute)) {
				continue
			}
			lates = append(lates, time.Unix(0, recv).Sub(due))
		}
		if len(lates) >= o.due || time.Now().After(deadline) {
			return lates, nil
		}
		time.Sleep(time.Second) // polling the fake Slack
	}
}

// roundOf says what a board refresh round did, from serve's log line.
func roundOf(line string) string {
	field := func(name string) string {
		m := regexp.MustCompile(name + `=(\S+)`).FindStringSubmatch(line)
		if m == nil {
			return "?"
		}
		return m[1]
	}
	return fmt.Sprintf("%s boards updated in %s", field("updated"), field("took"))
}

// waitLine waits for a line of serve's stderr matching re.
func waitLine(p *serveProcess, re *regexp.Regexp, limit time.Duration) ([]string, error) {
	timeout := time.After(limit)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				return nil, errors.New("serve exited")
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m, nil
			}
		case <-timeout:
			return nil, fmt.Errorf("no line matching %q in %s", re, limit)
		}
	}
}

func get(url string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// cpuTime is the user and system CPU time of a process so far.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces, in parentheses).
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

// memory is a process's resident set, in KiB: in all, anonymous (heap
// and stacks), file-backed, and of that the database file's mapping.
type memory struct{ rss, anon, file, db int64 }

func (m memory) String() string {
	mb := func(kib int64) float64 { return float64(kib) / 1024 }
	return fmt.Sprintf("%.1f MB (heap and stacks %.1f MB; mapped files %.1f MB, of which the database %.1f MB)", mb(m.rss), mb(m.anon), mb(m.file), mb(m.db))
}

// status reads the memory of process pid, whose database is db.
func status(pid int, db string) (memory, error) {
	m, err := vmStatus(pid)
	if err != nil {
		return m, err
	}
	smaps, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return m, err
	}
	inDB := false
	for _, line := range strings.Split(string(smaps), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			inDB = len(f) >= 6 && f[len(f)-1] == db // a mapping's header line
		case inDB && len(f) >= 2 && f[0] == "Rss:":
			n, _ := strconv.ParseInt(f[1], 10, 64)
			m.db += n
		}
	}
	return m, nil
}

func vmStatus(pid int) (memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = n
		case "RssAnon:":
			m.anon = n
		case "RssFile:":
			m.file = n
		}
	}
	return m, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// thousands writes n with commas: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
