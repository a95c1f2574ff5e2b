// Command ackload measures how fast breachbot acknowledges Slack slash
// commands: it sends bursts of concurrent POST /slack/commands requests,
// each signed exactly as Slack signs them (v0 HMAC-SHA256 over
// "v0:timestamp:body" with the signing secret), and reports the time from
// sending each request to reading its whole acknowledgement: p50, p99 and
// max. A request that is not answered 2xx, or not within 3 s (Slack's
// limit), is a failure. It also serves the response_url of every request
// and waits, after each burst, until every command was answered (in the
// acknowledgement or through response_url), so that bursts do not overlap
// and a command acknowledged but never answered is counted.
//
//	ackload -url http://127.0.0.1:8080/slack/commands -secret S -channel C1 \
//	  -text 'deadlines' -n 200 -bursts 5 -label deadlines -target 50ms
//
// prints one line, e.g.
//
//	ack p99 deadlines: 12 ms at 200 concurrent (target: < 50 ms) PASS
//
// With -declare TEXT it sends that one command instead, waits for its
// answer and prints the id of the incident channel the answer links
// (<#C…>), for the commands to run in.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// slackLimit is how long Slack waits for an acknowledgement.
const slackLimit = 3 * time.Second

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "breachbot's POST /slack/commands URL")
	flag.StringVar(&o.secret, "secret", "", "the Slack signing secret breachbot verifies with")
	flag.StringVar(&o.channel, "channel", "C0GENERAL", "channel id the commands are typed in")
	flag.StringVar(&o.users, "users", "U0LEAD", "comma-separated user ids, taken in turn")
	flag.StringVar(&o.text, "text", "help", "the command's text after /breach; %d is replaced by a running number")
	flag.IntVar(&o.n, "n", 200, "concurrent requests per burst")
	flag.IntVar(&o.bursts, "bursts", 5, "bursts measured")
	flag.IntVar(&o.warmup, "warmup", 1, "bursts sent first and not measured (connections, caches)")
	flag.StringVar(&o.label, "label", "", "name of the command in the result line (default: -text)")
	flag.DurationVar(&o.target, "target", 50*time.Millisecond, "p99 target")
	flag.DurationVar(&o.answerWait, "answer-wait", 60*time.Second, "how long to wait for every answer after a burst")
	flag.StringVar(&o.expect, "expect", "", "every answer's text must contain this (e.g. \"facts recorded\"), else the command failed")
	flag.StringVar(&o.answers, "answers", "", "base URL of a fakeslack that takes the answers (its /response/ and /_fake/answered); default: this process takes them")
	declare := flag.String("declare", "", "send this one command and print the channel id its answer links")
	flag.Parse()
	if o.url == "" || o.secret == "" {
		fmt.Fprintln(os.Stderr, "ackload: -url and -secret are required")
		os.Exit(2)
	}
	if o.label == "" {
		o.label = o.text
	}
	l, err := newLoad(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ackload:", err)
		os.Exit(1)
	}
	defer l.close()
	if *declare != "" {
		ch, err := l.declare(*declare)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ackload:", err)
			os.Exit(1)
		}
		fmt.Println(ch)
		return
	}
	res, err := l.run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ackload:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, res.detail())
	fmt.Println(res.line(o))
}

type options struct {
	url, secret, channel, users, text, label string
	answers, expect                          string
	n, bursts, warmup                        int
	target, answerWait                       time.Duration
}

// load sends the requests and receives the answers sent to response_url.
type load struct {
	o      options
	client *http.Client
	srv    *http.Server
	base   string // response_url prefix
	run_   int

	mu      sync.Mutex
	changed chan struct{}
	answers map[string][]string // trigger -> bodies posted to its response_url
	at      map[string]time.Time
	wrong   map[string]bool // answered without -expect's text
}

func newLoad(o options) (*load, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &load{o: o, base: "http://" + ln.Addr().String() + "/response/", changed: make(chan struct{}),
		answers: map[string][]string{}, at: map[string]time.Time{}, wrong: map[string]bool{},
		client: &http.Client{Timeout: 2 * slackLimit, Transport: &http.Transport{MaxIdleConns: 2 * o.n, MaxIdleConnsPerHost: 2 * o.n}}}
	if o.answers != "" {
		l.base = strings.TrimSuffix(o.answers, "/") + "/response/"
	}
	l.srv = &http.Server{Handler: http.HandlerFunc(l.response), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = l.srv.Serve(ln) }() // ends with close
	return l, nil
}

func (l *load) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
}

// response records a message posted to a response_url.
func (l *load) response(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	l.mu.Lock()
	l.answers[id] = append(l.answers[id], string(body))
	if _, ok := l.at[id]; !ok {
		l.at[id] = time.Now()
		l.wrong[id] = !strings.Contains(string(body), l.o.expect)
	}
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// sign returns the X-Slack-Signature of body sent at ts.
func sign(secret string, ts int64, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// request builds one signed slash command.
func (l *load) request(user, text, trigger string) *http.Request {
	body := url.Values{
		"token": {"bench"}, "team_id": {"T0BENCH"}, "team_domain": {"bench"}, "channel_id": {l.o.channel},
		"channel_name": {"privategroup"}, "user_id": {user}, "user_name": {strings.ToLower(user)}, "command": {"/breach"},
		"text": {text}, "api_app_id": {"A0BREACH"}, "is_enterprise_install": {"false"},
		"response_url": {l.base + trigger}, "trigger_id": {trigger},
	}.Encode()
	ts := time.Now().Unix()
	r, err := http.NewRequest(http.MethodPost, l.o.url, strings.NewReader(body))
	if err != nil {
		panic(err) // the URL was parsed by the first request already
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	r.Header.Set("X-Slack-Signature", sign(l.o.secret, ts, body))
	return r
}

// outcome is one request's acknowledgement.
type outcome struct {
	trigger string
	sent    time.Time
	took    time.Duration
	status  int
	body    string
	err     error
}

// burst sends n requests at once and waits for their acknowledgements.
func (l *load) burst(n int, text func(i int) string) []outcome {
	l.run_++
	users := strings.Split(l.o.users, ",")
	reqs := make([]*http.Request, n)
	out := make([]outcome, n)
	for i := range reqs {
		out[i].trigger = fmt.Sprintf("ackload-%d-%d-%d", os.Getpid(), l.run_, i)
		reqs[i] = l.request(users[i%len(users)], text(i), out[i].trigger)
	}
	var wg sync.WaitGroup
	gun := make(chan struct{})
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gun
			o := &out[i]
			o.sent = time.Now()
			resp, err := l.client.Do(reqs[i])
			if err != nil {
				o.err, o.took = err, time.Since(o.sent)
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			o.took, o.status, o.body, o.err = time.Since(o.sent), resp.StatusCode, string(body), err
		}()
	}
	close(gun)
	wg.Wait()
	return out
}

// waitAnswers waits until every acknowledged request without an answer in
// its acknowledgement got one through response_url, and returns how many
// did not.
func (l *load) waitAnswers(out []outcome) int {
	if l.o.answers != "" {
		return l.pollAnswers(out)
	}
	deadline := time.NewTimer(l.o.answerWait)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		ch := l.changed
		missing := 0
		for _, o := range out {
			if o.err == nil && o.status/100 == 2 && !answeredInline(o.body) && len(l.answers[o.trigger]) == 0 {
				missing++
			}
		}
		l.mu.Unlock()
		if missing == 0 {
			return 0
		}
		select {
		case <-ch:
		case <-deadline.C:
			return missing
		}
	}
}

// pollAnswers is waitAnswers for answers taken by a fakeslack: it asks it
// every 20 ms which of the requests still unanswered were answered, and
// when.
func (l *load) pollAnswers(out []outcome) int {
	deadline := time.Now().Add(l.o.answerWait)
	for {
		var ids []string
		for _, o := range out {
			if o.err == nil && o.status/100 == 2 && !answeredInline(o.body) && l.answeredAt(o.trigger).IsZero() {
				ids = append(ids, o.trigger)
			}
		}
		if len(ids) == 0 {
			return 0
		}
		if time.Now().After(deadline) {
			return len(ids)
		}
		resp, err := l.client.Post(strings.TrimSuffix(l.o.answers, "/")+"/_fake/answered?contains="+url.QueryEscape(l.o.expect),
			"text/plain", strings.NewReader(strings.Join(ids, "\n")))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			l.mu.Lock()
			for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
				var id string
				var nanos int64
				var count, match int
				if _, err := fmt.Sscanf(line, "%s %d %d %d", &id, &nanos, &count, &match); err == nil {
					l.at[id] = time.Unix(0, nanos)
					l.answers[id] = make([]string, count)
					l.wrong[id] = match == 0
				}
			}
			l.mu.Unlock()
		}
		time.Sleep(20 * time.Millisecond) // polling a separate process: no event to wait on
	}
}

// answeredAt is when the first answer to trigger came through its
// response_url, or zero.
func (l *load) answeredAt(trigger string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at[trigger]
}

// answeredInline reports whether an acknowledgement carries the answer
// (not an empty 200 or a "working on it").
func answeredInline(body string) bool {
	return strings.TrimSpace(body) != "" && !strings.Contains(body, `"replace_original"`) && !strings.Contains(body, "Working on it")
}

// result sums up the measured bursts.
type result struct {
	acks       []time.Duration
	inlineAcks []time.Duration // those answered in the acknowledgement
	answers    []time.Duration // to the first answer, inline or through response_url
	failures   int
	reasons    map[string]int
	unanswered int
	inline     int
	perBurst   []time.Duration // each measured burst's p99
}

func (l *load) run() (result, error) {
	text := func(i int) string {
		if strings.Contains(l.o.text, "%d") {
			return fmt.Sprintf(l.o.text, 1000+l.run_*l.o.n+i)
		}
		return l.o.text
	}
	res := result{reasons: map[string]int{}}
	for b := 0; b < l.o.warmup+l.o.bursts; b++ {
		out := l.burst(l.o.n, text)
		missing := l.waitAnswers(out)
		if b < l.o.warmup {
			continue
		}
		res.unanswered += missing
		took := make([]time.Duration, len(out))
		for i, o := range out {
			took[i] = o.took
		}
		res.perBurst = append(res.perBurst, pct(took, 0.99))
		for _, o := range out {
			res.acks = append(res.acks, o.took)
			switch {
			case o.err != nil:
				res.failures++
				reason := o.err.Error()
				var ue *url.Error
				if errors.As(o.err, &ue) {
					reason = ue.Err.Error() // without the URL
				}
				res.reasons[reason]++
				continue
			case o.status/100 != 2:
				res.failures++
				res.reasons["HTTP "+strconv.Itoa(o.status)]++
				continue
			case o.took > slackLimit:
				res.failures++
				res.reasons["acknowledged after 3 s"]++
			}
			if answeredInline(o.body) {
				if !strings.Contains(o.body, l.o.expect) {
					res.failures++
					res.reasons[fmt.Sprintf("answered without %q", l.o.expect)]++
				}
				res.inline++
				res.inlineAcks = append(res.inlineAcks, o.took)
				res.answers = append(res.answers, o.took)
				continue
			}
			l.mu.Lock()
			at, ok := l.at[o.trigger]
			wrong := l.wrong[o.trigger]
			l.mu.Unlock()
			if ok {
				res.answers = append(res.answers, at.Sub(o.sent))
			}
			if wrong {
				res.failures++
				res.reasons[fmt.Sprintf("answered without %q", l.o.expect)]++
			}
		}
	}
	if len(res.acks) == 0 {
		return res, errors.New("nothing measured (-bursts 0?)")
	}
	return res, nil
}

// pct returns the p-quantile of ds (sorted in place), by nearest rank.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p+0.999999) - 1
	return ds[max(0, min(len(ds)-1, i))]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

// line is the result line of the bench scripts.
func (r result) line(o options) string {
	p99 := pct(r.acks, 0.99)
	verdict := "PASS"
	if p99 >= o.target || r.failures > 0 || r.unanswered > 0 {
		verdict = "FAIL"
	}
	extra := ""
	if r.failures > 0 {
		extra += fmt.Sprintf(", %d failed", r.failures)
	}
	if r.unanswered > 0 {
		extra += fmt.Sprintf(", %d never answered", r.unanswered)
	}
	return fmt.Sprintf("ack p99 %s: %s ms at %d concurrent%s (target: < %s ms) %s", o.label, ms(p99), o.n, extra,
		strconv.FormatInt(o.target.Milliseconds(), 10), verdict)
}

// detail is the rest of what was measured, for the log.
func (r result) detail() string {
	s := fmt.Sprintf("  %d acks: p50 %s ms, p99 %s ms, max %s ms; %d failed; %d answered in the ack; answers p50 %s ms, p99 %s ms, max %s ms; %d never answered",
		len(r.acks), ms(pct(r.acks, 0.5)), ms(pct(r.acks, 0.99)), ms(pct(r.acks, 1)), r.failures, r.inline,
		ms(pct(r.answers, 0.5)), ms(pct(r.answers, 0.99)), ms(pct(r.answers, 1)), r.unanswered)
	if len(r.perBurst) > 1 {
		var ps []string
		for _, p := range r.perBurst {
			ps = append(ps, ms(p))
		}
		s += "\n  p99 of each burst (ms): " + strings.Join(ps, ", ")
	}
	if len(r.inlineAcks) > 0 {
		s += fmt.Sprintf("\n  answered in the ack: p50 %s ms, p99 %s ms, max %s ms", ms(pct(r.inlineAcks, 0.5)), ms(pct(r.inlineAcks, 0.99)), ms(pct(r.inlineAcks, 1)))
	}
	for reason, n := range r.reasons {
		s += fmt.Sprintf("\n  %d× %s", n, reason)
	}
	return s
}

var channelLink = regexp.MustCompile(`(?:<|\\u003c)#(C[A-Z0-9]+)`)

// declare sends one command and returns the channel id its answer links.
func (l *load) declare(text string) (string, error) {
	out := l.burst(1, func(int) string { return text })[0]
	if out.err != nil {
		return "", out.err
	}
	if out.status/100 != 2 {
		return "", fmt.Errorf("declare: HTTP %d: %s", out.status, out.body)
	}
	if m := channelLink.FindStringSubmatch(out.body); m != nil {
		return m[1], nil
	}
	deadline := time.Now().Add(l.o.answerWait)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		bodies := l.answers[out.trigger]
		ch := l.changed
		l.mu.Unlock()
		for _, b := range bodies {
			if m := channelLink.FindStringSubmatch(b); m != nil {
				return m[1], nil
			}
		}
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
		}
	}
	return "", fmt.Errorf("declare: no answer linking a channel within %s (ack: %q)", l.o.answerWait, out.body)
}
