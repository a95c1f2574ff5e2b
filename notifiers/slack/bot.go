// Package slack is breachbot's Slack adapter: the /breach slash command,
// buttons and modals over Socket Mode or HTTP (both feed one handler),
// request signature checks with replay protection, Block Kit rendering of
// the transport-neutral commands.Reply, role resolution from Slack user
// groups, and the Notifier that creates incident channels and posts boards,
// reminders and escalations from the durable outbox.
package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
	"github.com/breachbot/breachbot/internal/metrics"
)

// Config wires a Bot.
type Config struct {
	// Client is the Web API client with the bot token (xoxb-...).
	Client  *slack.Client
	Service *incidents.Service
	Router  *commands.Router
	// State keeps the Bot's own records (seen requests, channels, posts)
	// in the database: boltstore.Store.SlackState().
	State State
	// Directory resolves roles and their members (for invitations and DMs).
	Directory *Directory
	// SigningSecret verifies HTTP requests from Slack.
	SigningSecret string
	// AnnounceChannel, if set, is a channel id where the bot says that a
	// confidential incident was declared, naming nothing of it (no title,
	// id or severity). The bot must be a member of it.
	AnnounceChannel string
	Metrics         *metrics.Metrics
	Log             *slog.Logger
	// AckBudget is how long a command may run before the answer goes
	// through response_url instead of the acknowledgement (default
	// DefaultAckBudget; Slack's limit is 3 s).
	AckBudget time.Duration
	// Now is the wall clock for request timestamps and replay windows
	// (default time.Now). Legal clocks come from the Service's Clock.
	Now func() time.Time
}

// DefaultAckBudget is how long an acknowledgement waits for its command's
// answer: a fast read (help, the deadlines board) is answered in the
// acknowledgement; anything slower, a write waiting for its fsync or for
// other writes' among them, is acknowledged when the budget runs out and
// answered through response_url once durable. Acknowledgements are to
// stay under 50 ms at p99 with 200 commands at once (issue 15); it was
// 250 ms, which a write behind a slow fsync (or a declare behind a slow
// Slack) used in full.
const DefaultAckBudget = 15 * time.Millisecond

// Bot is the Slack adapter. It serves commands and interactions (HTTP
// handlers or Socket Mode) and implements incidents.Notifier. Close waits
// for the work it started in the background.
type Bot struct {
	client     *slack.Client
	svc        *incidents.Service
	router     *commands.Router
	incidents  *incidents.Reader // the bot's own reads, without a role check
	state      State
	dir        *Directory
	secret     string
	announceTo string
	metrics    *metrics.Metrics
	log        *slog.Logger
	budget     time.Duration
	now        func() time.Time
	seen       *seen
	buttons    map[string]button
	forms      map[string]*form
	boardMu    sync.Map // incident id -> *sync.Mutex: one board render at a time
	botUser    atomic.Value
	socketUp   atomic.Bool
	// slots bounds the commands run and the answers rendered at once (half
	// the CPUs, at least one), so acknowledgements never queue behind them
	// for CPU; a command that finds no slot free is acknowledged at once and
	// answered through response_url when its turn comes. A command gives
	// its slot up when it starts waiting on the database or on Slack.
	slots chan struct{}
	// acking counts the slash commands being acknowledged right now (over
	// HTTP from the request read to the acknowledgement sent; in Socket
	// Mode until the acknowledgement is ready).
	acking atomic.Int32
	// ackIdle is closed (and replaced) each time acking drops to zero.
	ackIdleMu sync.Mutex
	ackIdle   chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ incidents.Notifier = (*Bot)(nil)

// New returns a Bot, with the requests it saw before a restart. Commands
// typed in an incident's channel apply to it: the Router looks the channel up.
func New(c Config) (*Bot, error) {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.AckBudget <= 0 {
		c.AckBudget = DefaultAckBudget
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Metrics == nil {
		c.Metrics = metrics.New(nil)
	}
	if c.State == nil {
		return nil, errors.New("slack: Config.State is required")
	}
	sn, err := newSeen(c.State, c.Now, c.Log)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bot{
		client: c.Client, svc: c.Service, router: c.Router, incidents: c.Service.Reader(), state: c.State, dir: c.Directory,
		secret: c.SigningSecret, announceTo: c.AnnounceChannel, metrics: c.Metrics, log: c.Log, budget: c.AckBudget, now: c.Now,
		seen: sn, slots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)), buttons: defaultButtons(), forms: defaultForms(),
		ctx: ctx, cancel: cancel, ackIdle: make(chan struct{}),
	}
	for id, btn := range noticeButtons() {
		b.buttons[id] = btn
	}
	for id, f := range noticeForms() {
		b.forms[id] = f
	}
	b.forms["facts"] = factsForm()
	return b, nil
}

// Close waits (up to 10 s) for answers and modals still being sent, then
// stops what is left.
func (b *Bot) Close() error {
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		b.log.Warn("slack: stopping answers still in flight")
	}
	b.cancel()
	<-done
	b.seen.close()
	return nil
}

// spawn runs fn in the background under the Bot's lifetime, for at most a
// minute; Close waits for it.
func (b *Bot) spawn(fn func(ctx context.Context)) { b.spawnFor(60*time.Second, fn) }

// spawnFor is spawn with a longer (or shorter) time limit.
func (b *Bot) spawnFor(limit time.Duration, fn func(ctx context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		ctx, cancel := context.WithTimeout(b.ctx, limit)
		defer cancel()
		fn(ctx)
	}()
}

// handle runs one /breach line through the Router and counts it.
func (b *Bot) handle(ctx context.Context, req commands.Request) *commands.Reply {
	rep := b.router.Handle(ctx, req)
	name := "unparsed"
	if cmd, err := commands.Parse(req.Text); err == nil {
		name = cmd.Name
	}
	b.metrics.Commands.WithLabelValues(name, metrics.Outcome(rep.Code)).Inc()
	return rep
}

// within runs a command and returns its reply, rendered for channel, if
// both are done within the ack budget; otherwise it returns nil and later
// calls late with the reply. When other commands are being acknowledged at
// the same time, or every slot is busy (a burst of commands), it does not
// wait at all: the acknowledgement goes out at once and the answer follows.
// (Answering in the acknowledgement during a burst made the others'
// acknowledgements wait for CPU behind those commands and their rendering.)
// An incident just declared gets its channel before the reply is given, so
// it can link it. A reply with a file is not rendered.
func (b *Bot) within(req commands.Request, late func(ctx context.Context, rep *commands.Reply)) (*commands.Reply, *message) {
	type answer struct {
		rep *commands.Reply
		m   *message
	}
	result := make(chan answer)
	gaveUp := make(chan struct{})
	budget := b.budget
	if b.acking.Load() > 1 {
		budget = 0 // others wait for their acknowledgement: they go first
	} else {
		select {
		case b.slots <- struct{}{}:
		default:
			budget = 0
		}
	}
	b.spawn(func(ctx context.Context) {
		if budget == 0 {
			b.afterAcks(ctx)
			select {
			case b.slots <- struct{}{}:
			case <-ctx.Done():
				b.log.Error("slack: command not run: no free slot before shutdown or timeout", "user", req.User)
				return
			}
		}
		// The slot is for CPU: a command gives it up for good when it
		// starts to wait on the database's write lock and fsync or on
		// Slack (incidents.BeforeWait), so that a write behind a slow
		// fsync, or a slow Slack, holds no other command up. It never
		// takes it back (nothing that waits for a slot holds one).
		var once sync.Once
		release := func() { once.Do(func() { <-b.slots }) }
		rep := b.handle(incidents.WithWaitHook(ctx, release), req)
		release()
		b.declared(ctx, req, rep) // Slack calls, not CPU: outside the slot
		select {
		case <-gaveUp:
			late(ctx, rep)
			return
		default:
		}
		// Rendered here, within the budget, so that the acknowledgement
		// waits at most the budget: rendering in the handler after it took
		// as long again when the CPU was busy.
		var m *message
		if rep.File == nil {
			m = b.render(ctx, req.Channel, rep)
		}
		select {
		case result <- answer{rep, m}:
		case <-gaveUp:
			late(ctx, rep)
		}
	})
	if budget == 0 {
		close(gaveUp)
		return nil, nil
	}
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case a := <-result:
		return a.rep, a.m
	case <-t.C:
		close(gaveUp)
		return nil, nil
	}
}

// ackFirst is how long a command or an answer waits at most for the
// slash commands being acknowledged to be acknowledged.
const ackFirst = 50 * time.Millisecond

// acknowledge runs a slash command from Socket Mode for its
// acknowledgement, counted in acking while it does.
func (b *Bot) acknowledge(sc slack.SlashCommand) any {
	b.acking.Add(1)
	defer b.acked()
	return b.slashCommand(sc)
}

// acked ends the acknowledgement of a slash command (see acking).
func (b *Bot) acked() {
	if b.acking.Add(-1) == 0 {
		b.ackIdleMu.Lock()
		close(b.ackIdle)
		b.ackIdle = make(chan struct{})
		b.ackIdleMu.Unlock()
	}
}

// afterAcks waits, for at most ackFirst, until no slash command is being
// acknowledged: during a burst, the acknowledgements go first and the
// commands and answers, which are not waited for, after them. (On two
// cores, rendering answers beside a burst of acknowledgements took the CPU
// they needed.) Under a flood that never pauses, the work still goes on
// every ackFirst.
func (b *Bot) afterAcks(ctx context.Context) {
	if b.acking.Load() == 0 {
		return
	}
	t := time.NewTimer(ackFirst)
	defer t.Stop()
	for {
		b.ackIdleMu.Lock()
		idle := b.ackIdle
		b.ackIdleMu.Unlock()
		if b.acking.Load() == 0 {
			return
		}
		select {
		case <-idle:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// maxAckBytes keeps an answer in the acknowledgement well below Socket
// Mode's 20 KB limit; bigger answers go through response_url.
const maxAckBytes = 16 * 1024

// respond sends a reply through a response_url (valid for 30 minutes),
// or as an ephemeral message to the user if there is none; outside the
// incident's own channel it is shown to the user only (render).
func (b *Bot) respond(ctx context.Context, responseURL, channel, user string, rep *commands.Reply) {
	m, err := b.renderInSlot(ctx, channel, rep)
	if err != nil {
		b.log.Error("slack: answer not delivered: not rendered before shutdown or timeout", "user", user, "err", err)
		return
	}
	for i, blocks := range append([][]slack.Block{m.Blocks}, m.more...) {
		text := m.Text
		if i > 0 {
			text = fmt.Sprintf("%s (continued, %d of %d)", m.Text, i+1, len(m.more)+1)
		}
		opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
		var err error
		if responseURL != "" {
			// Each part is a new message: Slack keeps earlier ones.
			_, _, err = b.client.PostMessageContext(ctx, channel, append(opts, slack.MsgOptionResponseURL(responseURL, m.ResponseType))...)
		} else {
			_, err = b.client.PostEphemeralContext(ctx, channel, user, opts...)
		}
		if err != nil {
			b.log.Error("slack: answer not delivered", "user", user, "part", i+1, "err", apiError("respond", err))
			return
		}
	}
}

// renderInSlot renders a reply in one of the command slots. Rendering is
// CPU work: the answers of a burst of commands, rendered all at once, took
// the CPU the acknowledgements of the next requests need. The slot is held
// for rendering only (it reads the database, never Slack), not while the
// answer is posted.
func (b *Bot) renderInSlot(ctx context.Context, channel string, rep *commands.Reply) (*message, error) {
	b.afterAcks(ctx)
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-b.slots }()
	return b.render(ctx, channel, rep), nil
}

// errorReply is a reply saying what is wrong with what a person did, in
// the adapter's own words (no error to turn into text), shown to them only.
func errorReply(message, hint string) *commands.Reply {
	rep := &commands.Reply{Title: message, Error: true, Code: incidents.EINVALID, Ephemeral: true}
	if hint != "" {
		rep.Sections = []commands.Section{{Text: "Try: " + hint}}
	}
	return rep
}

// refusal turns an error into the reply user reads, through
// commands.ErrorReply: an internal one is logged once, with a reference the
// reply shows.
func (b *Bot) refusal(ctx context.Context, user string, err error) *commands.Reply {
	return commands.ErrorReply(ctx, b.log.With("user", user), err)
}

// botUserID returns the bot's own user id (auth.test), cached.
func (b *Bot) botUserID(ctx context.Context) (string, error) {
	if v, ok := b.botUser.Load().(string); ok && v != "" {
		return v, nil
	}
	resp, err := b.client.AuthTestContext(ctx)
	if err != nil {
		return "", apiError("auth.test", err)
	}
	b.botUser.Store(resp.UserID)
	return resp.UserID, nil
}

// Healthy reports whether the database answers and, in Socket Mode, whether
// the connection to Slack is up.
func (b *Bot) Healthy(ctx context.Context, socketMode bool) error {
	if err := b.incidents.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if socketMode && !b.socketUp.Load() {
		return fmt.Errorf("socket mode: not connected to Slack")
	}
	return nil
}

// quote renders a value as one word of a /breach line, whatever it holds.
func quote(s string) string {
	return "\"" + quoter.Replace(s) + "\""
}

var quoter = strings.NewReplacer("\\", "\\\\", "\"", "\\\"", "“", "\\\"", "”", "\\\"")

// marshal encodes v for an HTTP answer.
func marshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode slack answer: %v", err)) // only our own types are encoded
	}
	return data
}

func metricsOutcome(err error) string { return metrics.Outcome(incidents.ErrorCode(err)) }
