package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/breachbot/breachbot/incidents"
)

// ErrorReply turns an error into what a person reads; it is the one way
// from an error to user text, and every front end (Slack, the console, the
// admin endpoint, the data commands) calls it.
//
// An error with a code other than incidents.EINTERNAL becomes its message
// and hint. Anything else is internal: its text may hold details a person
// must not see, so it is logged once on log, with a short random
// reference, and the reply shows only that reference. Attributes that say
// who asked for what belong on log (log.With); log nil means
// slog.Default(). err must not be nil.
func ErrorReply(ctx context.Context, log *slog.Logger, err error) *Reply {
	code := incidents.ErrorCode(err)
	if code != incidents.EINTERNAL {
		return errorReply(code, incidents.ErrorMessage(err), hint(err))
	}
	if log == nil {
		log = slog.Default()
	}
	ref := newRef()
	log.ErrorContext(ctx, "internal error", "ref", ref, "err", err)
	// An *incidents.Error's hint is written for the person even when the
	// code is internal (e.g. what to declare with while GitHub is down).
	return errorReply(code, fmt.Sprintf("internal error (ref %s): nothing was changed; try again, and tell the breachbot admins the ref if it persists", ref), hint(err))
}

// hint renders what err says to do instead: its Try as a /breach line,
// followed by its Hint.
func hint(err error) string {
	var e *incidents.Error
	if !errors.As(err, &e) {
		return ""
	}
	if e.Try == "" {
		return e.Hint
	}
	if e.Hint == "" {
		return "/breach " + e.Try
	}
	return "/breach " + e.Try + " " + e.Hint
}

// newRef returns a short random reference that a person can quote and an
// admin can find in the log.
func newRef() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// OperatorError marks err, met by a program at the shell while it starts
// or runs (a config problem, a database another process holds, a port in
// use), as the operator's to fix: ErrorReply then shows its text instead of
// hiding it behind a reference. Errors with a code keep theirs.
func OperatorError(err error) error {
	if err == nil || incidents.ErrorCode(err) != incidents.EINTERNAL {
		return err
	}
	var e *incidents.Error
	if errors.As(err, &e) { // an internal error the domain worded for people
		return err
	}
	return incidents.Errorf(incidents.EINVALID, "%w", err)
}
