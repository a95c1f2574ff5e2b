package slack

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Body limits: a slash command is a few hundred bytes (its text is capped at
// 4,000 characters); an interaction carries the message or view it came
// from, which is bigger.
const (
	maxCommandBody     = 64 << 10
	maxInteractionBody = 1 << 20
	maxEventBody       = 1 << 20
)

// How long used signatures and trigger ids are remembered. Slack's
// timestamps are accepted 5 minutes either side of now, so a signature is
// dead after 10; a trigger id (one per click or command) is kept for an hour
// to recognise Slack's retries.
const (
	signatureTTL = 10 * time.Minute
	triggerTTL   = time.Hour
)

// CommandsHandler serves POST /slack/commands: the /breach slash command.
func (b *Bot) CommandsHandler() http.Handler {
	h := b.verified(maxCommandBody, func(form url.Values) (string, func() any, error) {
		sc := slack.SlashCommand{
			TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
			UserID: form.Get("user_id"), Command: form.Get("command"), Text: form.Get("text"),
			ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"), APIAppID: form.Get("api_app_id"),
		}
		if sc.UserID == "" {
			return "", nil, errors.New("slash command without user_id")
		}
		return sc.TriggerID, func() any { return b.slashCommand(sc) }, nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Counted until the acknowledgement is sent (writeAck flushes
		// it): the work waiting for the acks to be done (afterAcks) must
		// not start before this one is on its way.
		b.acking.Add(1)
		defer b.acked()
		h.ServeHTTP(w, r)
	})
}

// InteractionsHandler serves POST /slack/interactions: buttons (block_actions)
// and modal submissions (view_submission).
func (b *Bot) InteractionsHandler() http.Handler {
	return b.verified(maxInteractionBody, func(form url.Values) (string, func() any, error) {
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			return "", nil, errors.New("interaction without a readable payload")
		}
		if cb.User.ID == "" {
			return "", nil, errors.New("interaction without a user")
		}
		return cb.TriggerID, func() any { return b.interaction(cb) }, nil
	})
}

// verified reads a request from Slack (once, capped), checks its signature,
// its age (5 minutes) and that neither the signature nor, for Slack's
// retries, the trigger id was used before, then runs it and writes the
// acknowledgement. Anything unverified gets 401 and runs nothing; its body is
// never logged.
func (b *Bot) verified(limit int64, parse func(url.Values) (trigger string, run func() any, err error)) http.Handler {
	return b.verifiedBody(limit, func(body []byte) (string, func() any, error) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "", nil, errors.New("the body is not a form")
		}
		return parse(form)
	})
}

// verifiedBody is verified for a body that parse reads itself (the Events
// API posts JSON, not a form).
func (b *Bot) verifiedBody(limit int64, parse func(body []byte) (trigger string, run func() any, err error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			b.log.Warn("slack request refused: body too large", "path", r.URL.Path, "limit", limit, "remote", r.RemoteAddr)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		} else if err != nil {
			http.Error(w, "could not read the request", http.StatusBadRequest)
			return
		}
		refuse := func(reason string) {
			b.log.Warn("slack request refused", "path", r.URL.Path, "reason", reason, "remote", r.RemoteAddr)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
		}
		sv, err := slack.NewSecretsVerifier(r.Header, b.secret)
		if err != nil {
			refuse(err.Error())
			return
		}
		if _, err := sv.Write(body); err != nil {
			refuse(err.Error())
			return
		}
		if err := sv.Ensure(); err != nil {
			refuse(err.Error())
			return
		}
		trigger, run, err := parse(body)
		if err != nil {
			b.log.Warn("slack request not understood", "path", r.URL.Path, "reason", err.Error())
			http.Error(w, "request not understood", http.StatusBadRequest)
			return
		}
		retry := r.Header.Get("X-Slack-Retry-Num")
		triggerKey := ""
		if trigger != "" {
			triggerKey = "trigger:" + trigger
		}
		fresh := b.seen.claim([]string{signatureKey(r.Header.Get("X-Slack-Signature")), triggerKey}, []time.Duration{signatureTTL, triggerTTL})
		switch {
		case !fresh[0]:
			refuse("replayed signature")
			return
		case !fresh[1] || (trigger == "" && retry != "" && retry != "0"):
			b.log.Info("slack retry of a request already handled; not run again", "path", r.URL.Path, "retry", retry)
			w.WriteHeader(http.StatusOK)
			return
		}
		writeAck(w, run())
	})
}

// signatureKey is the replay key of a verified X-Slack-Signature: its
// decoded bytes in lowercase hex. Verification decodes the hex whatever its
// case, so keying on the header as sent would let an upper-cased copy of a
// used signature run again. (A verified signature is the HMAC of the
// timestamp and body, so it names exactly one request.)
func signatureKey(header string) string {
	sig, err := hex.DecodeString(strings.TrimPrefix(header, "v0="))
	if err != nil {
		return "sig:" + header // not reached: verification decoded it
	}
	return "sig:v0=" + hex.EncodeToString(sig)
}

// writeAck answers Slack: an empty 200, or the JSON of the acknowledgement.
// It sends it at once (with its length, so not chunked), not when the
// handler returns.
func writeAck(w http.ResponseWriter, ack any) {
	var body []byte
	if ack != nil && !isNilPointer(ack) {
		body = marshal(ack)
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func isNilPointer(v any) bool {
	switch p := v.(type) {
	case *message:
		return p == nil
	case *slack.ViewSubmissionResponse:
		return p == nil
	}
	return false
}
