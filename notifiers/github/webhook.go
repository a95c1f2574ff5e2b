package github

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/breachbot/breachbot/incidents"
)

// StatusContext is the context of the commit status breachbot reports on
// pushed playbook commits; branch protection can require it.
const StatusContext = "breachbot/playbooks"

// DeliveryLog is the webhook's durable state, kept in breachbot's database
// (boltstore.Store.GitHubLog implements it): delivery ids received, commit
// statuses on their way to GitHub (JSON pendingStatus records, which the
// store keeps as given) and the commits whose status GitHub took, keyed by
// repository (compared case-insensitively), ref and commit. Methods return
// only the store's errors and the errors of the callbacks given.
type DeliveryLog interface {
	// RecordPush records, in one transaction, a push delivered under
	// delivery at now. A delivery id already recorded changes nothing
	// and reports dup. Otherwise ids received before forgetBefore are
	// forgotten and this one is recorded; then, unless the status of
	// repo, ref and sha was reported already or a pending status
	// satisfies queued (both report done), the record status(seq) is
	// queued under a new sequence number seq. The webhook calls it for
	// each verified push to the configured ref.
	RecordPush(delivery string, now, forgetBefore time.Time, repo, ref, sha string,
		queued func(status []byte) bool, status func(seq uint64) ([]byte, error)) (dup, done bool, err error)
	// PendingStatuses calls fn with every pending status in sequence
	// order, until fn returns an error; fn must not keep status.
	PendingStatuses(fn func(seq uint64, status []byte) error) error
	// UpdateStatus replaces pending status seq if it is still pending.
	UpdateStatus(seq uint64, status []byte) error
	// DropStatus removes pending status seq without marking it reported.
	DropStatus(seq uint64) error
	// StatusReported removes pending status seq and records, in the same
	// transaction, that the status of repo, ref and sha was reported at
	// at, so a push of that commit never reports it again.
	StatusReported(seq uint64, repo, ref, sha string, at time.Time) error
}

// Defaults of WebhookConfig.
const (
	DefaultMaxBody        = 2 << 20
	DefaultMaxBackoff     = 5 * time.Minute
	DefaultKeepDeliveries = 7 * 24 * time.Hour
	DefaultExpire         = 7 * 24 * time.Hour
)

// WebhookConfig configures a Webhook.
type WebhookConfig struct {
	// Log keeps deliveries and commit statuses in the incidents database
	// (boltstore.Store.GitHubLog()).
	Log DeliveryLog
	// Playbooks is the source the pushes refresh; its repository is the
	// one statuses are reported on (playbooks/github.Source).
	Playbooks PlaybookSource
	// Client is the GitHub client statuses are reported through
	// (githubapi.NewClient), with statuses:write on the repository.
	Client *gh.Client
	// Secret is GITHUB_WEBHOOK_SECRET, as entered in the webhook's settings.
	Secret []byte
	// Clock is the time source (default the system clock).
	Clock incidents.Clock
	// Logger receives what the webhook does (default slog.Default()).
	Logger *slog.Logger
	// MaxBody caps a request body (default 2 MiB; GitHub's push payloads
	// for a playbooks repository are a few kilobytes).
	MaxBody int64
	// MaxBackoff caps the wait between attempts to report a status, except
	// where GitHub's rate limit asks for longer (default 5 min).
	MaxBackoff time.Duration
	// KeepDeliveries is how long delivery ids are remembered to refuse a
	// replay (default 7 days; GitHub redelivers only up to 3 days back).
	KeepDeliveries time.Duration
	// Expire is how long a status is retried before it is dropped with an
	// error in the log (default 7 days).
	Expire time.Duration
}

// Webhook receives GitHub's webhook at POST /github/webhook and reports on
// pushed playbooks. It is an http.Handler; its worker, Run, delivers the
// commit statuses. A push to the configured ref is acknowledged once it is
// recorded: its delivery id and a pending status for the pushed commit, in
// one transaction of the database. The playbook snapshot is refreshed at
// once; the worker then lints the pushed commit's folder with
// playbooks.Lint and reports success or failure on the commit as the status
// breachbot/playbooks, retrying with backoff (honouring GitHub's rate
// limits) until GitHub takes it, also across restarts.
type Webhook struct {
	dlog       DeliveryLog
	p          PlaybookSource
	repo       repository
	client     *gh.Client
	secret     []byte
	clock      incidents.Clock
	log        *slog.Logger
	maxBody    int64
	maxBackoff time.Duration
	keep       time.Duration
	expire     time.Duration
	wake       chan struct{}
}

var _ http.Handler = (*Webhook)(nil)

// NewWebhook returns a webhook for c.Playbooks' repository. It refuses an empty secret: GitHub's requests could not be
// verified.
func NewWebhook(c WebhookConfig) (*Webhook, error) {
	switch {
	case len(c.Secret) == 0:
		return nil, incidents.Errorf(incidents.EINVALID, "GITHUB_WEBHOOK_SECRET is not set, so GitHub's webhook requests could not be verified").
			WithHint("set it to the secret entered in the repository's webhook settings")
	case c.Log == nil || c.Playbooks == nil || c.Client == nil:
		return nil, errors.New("github webhook: Log, Playbooks and Client are required")
	}
	w := &Webhook{dlog: c.Log, p: c.Playbooks, client: c.Client, secret: c.Secret, clock: c.Clock, log: c.Logger,
		maxBody: c.MaxBody, maxBackoff: c.MaxBackoff, keep: c.KeepDeliveries, expire: c.Expire, wake: make(chan struct{}, 1)}
	w.repo.Owner, w.repo.Repo, w.repo.Ref = c.Playbooks.Repository()
	w.repo.spec = c.Playbooks.String()
	if w.clock == nil {
		w.clock = incidents.SystemClock{}
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.maxBody <= 0 {
		w.maxBody = DefaultMaxBody
	}
	if w.maxBackoff <= 0 {
		w.maxBackoff = DefaultMaxBackoff
	}
	if w.keep <= 0 {
		w.keep = DefaultKeepDeliveries
	}
	if w.expire <= 0 {
		w.expire = DefaultExpire
	}
	return w, nil
}

// Handler returns the handler to mount at POST /github/webhook.
func (w *Webhook) Handler() http.Handler { return w }

// ServeHTTP handles one webhook delivery. Requests without a valid
// X-Hub-Signature-256 for the secret get 401 and change nothing; a body
// over MaxBody gets 413. ping is answered; push to the configured ref is
// recorded (202) once per repository, ref and commit: a push whose status
// is already queued or reported gets 200 and changes nothing, whatever its
// X-GitHub-Delivery (which is not signed); other events and refs get 200
// and are ignored.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "use POST", http.StatusMethodNotAllowed)
		return
	}
	sig := r.Header.Get(gh.SHA256SignatureHeader)
	if !strings.HasPrefix(sig, "sha256=") {
		w.log.Warn("github webhook refused: no X-Hub-Signature-256", "delivery", clip(gh.DeliveryID(r)), "remote", r.RemoteAddr)
		http.Error(rw, "missing X-Hub-Signature-256", http.StatusUnauthorized)
		return
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (ct != "application/json" && ct != "application/x-www-form-urlencoded") {
		http.Error(rw, "Content-Type must be application/json", http.StatusUnsupportedMediaType)
		return
	}
	r.Body = http.MaxBytesReader(rw, r.Body, w.maxBody)
	// ValidatePayload checks X-Hub-Signature-256 (present, as checked above)
	// over the raw body in constant time, as GitHub signs it.
	payload, err := gh.ValidatePayload(r, w.secret)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(rw, fmt.Sprintf("body over %d bytes", w.maxBody), http.StatusRequestEntityTooLarge)
			return
		}
		w.log.Warn("github webhook refused: bad signature", "delivery", clip(gh.DeliveryID(r)), "remote", r.RemoteAddr)
		http.Error(rw, "bad signature", http.StatusUnauthorized)
		return
	}
	event, delivery := gh.WebHookType(r), gh.DeliveryID(r)
	switch event {
	case "ping":
		w.log.Info("github webhook: ping", "delivery", clip(delivery))
		fmt.Fprintln(rw, "pong")
		return
	case "push":
	default:
		fmt.Fprintf(rw, "ignored: breachbot acts on push events only, not %q\n", clip(event))
		return
	}
	if delivery == "" || len(delivery) > 100 {
		http.Error(rw, "missing or malformed X-GitHub-Delivery", http.StatusBadRequest)
		return
	}
	var ev gh.PushEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		http.Error(rw, "malformed push payload", http.StatusBadRequest)
		return
	}
	status, msg := w.push(delivery, &ev)
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.WriteHeader(status)
	fmt.Fprintln(rw, msg)
}

// push records a push event; it returns the HTTP status and a short text.
func (w *Webhook) push(delivery string, ev *gh.PushEvent) (int, string) {
	spec := w.repo
	if !strings.EqualFold(ev.GetRepo().GetFullName(), spec.FullName()) {
		return http.StatusOK, "ignored: not the playbooks repository " + spec.FullName()
	}
	if !refMatches(ev.GetRef(), spec.Ref) {
		return http.StatusOK, "ignored: not a push to " + spec.Ref
	}
	after := strings.ToLower(ev.GetAfter())
	if ev.GetDeleted() || !isSHA(after) || strings.Trim(after, "0") == "" {
		w.p.Invalidate()
		w.log.Warn("github webhook: the playbooks ref was deleted", "spec", spec.String(), "delivery", delivery)
		return http.StatusOK, "ref deleted; nothing to check"
	}
	now := w.clock.Now()
	repo, ref := spec.FullName(), ev.GetRef()
	// The effect is keyed on what was pushed, not on the delivery id: a
	// captured push sent again under a new id reports nothing twice.
	queued := func(v []byte) bool {
		var s pendingStatus
		return json.Unmarshal(v, &s) == nil && s.SHA == after && s.Ref == ref && strings.EqualFold(s.repo(repo), repo)
	}
	status := func(seq uint64) ([]byte, error) {
		return json.Marshal(pendingStatus{Key: seq, Delivery: delivery, Repo: repo, SHA: after, Ref: ref, Received: now, NextAttempt: now})
	}
	dup, done, err := w.dlog.RecordPush(delivery, now, now.Add(-w.keep), repo, ref, after, queued, status)
	if err != nil {
		w.log.Error("github webhook: record push", "delivery", delivery, "err", err)
		return http.StatusInternalServerError, "could not record the push; redeliver it from the webhook's settings"
	}
	if dup {
		w.log.Info("github webhook: replayed delivery ignored", "delivery", delivery)
		return http.StatusOK, "duplicate delivery; already handled"
	}
	if done {
		w.log.Info("github webhook: push of a commit already reported or queued; nothing to do", "delivery", delivery, "commit", after)
		return http.StatusOK, "already reported or queued for " + after + "; nothing to do"
	}
	w.log.Info("github webhook: push recorded", "delivery", delivery, "ref", ev.GetRef(), "commit", after)
	w.p.Invalidate()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return http.StatusAccepted, "accepted: checking " + after
}

// refMatches reports whether a push's full ref (refs/heads/main) is the
// configured ref (main, refs/heads/main, or a tag name).
func refMatches(pushed, ref string) bool {
	if pushed == ref {
		return true
	}
	for _, prefix := range []string{"refs/heads/", "refs/tags/"} {
		if strings.TrimPrefix(pushed, prefix) == ref && strings.HasPrefix(pushed, prefix) {
			return true
		}
	}
	return false
}
