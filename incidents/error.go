package incidents

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Every error the Service returns carries one of these; the chat
// layer turns the code into what the user reads.
const (
	// EINVALID means the input was malformed or incomplete; the message says
	// what to type instead.
	EINVALID = "invalid"
	// ENOTFOUND means a named incident, step, obligation or playbook does not exist.
	ENOTFOUND = "not_found"
	// EFORBIDDEN means the acting user lacks the role the action needs.
	EFORBIDDEN = "forbidden"
	// ECONFLICT means the action is well formed but not allowed in the current
	// state (an illegal state move, a step whose prerequisites are open, ...).
	ECONFLICT = "conflict"
	// EINTERNAL means something failed that the user cannot fix; the details are
	// logged once and the user sees a reference.
	EINTERNAL = "internal"
)

// Error is the one error type of the domain. Message is written for a person
// under stress: it says what was wrong; Hint says what to type or fix instead.
type Error struct {
	Code    string
	Message string
	// Hint says what to type or fix instead. When Try is set, Hint is what
	// follows the command ("once the sandbox is reachable").
	Hint string
	// Try is a command to run instead, in the words of the command grammar
	// without the front end's prefix ("notice send N1"), so the domain never
	// spells adapter syntax: the grammar (incidents/commands) renders it as
	// the front ends take it ("/breach notice send N1").
	Try string
	// Err is the cause, if any: kept so errors.Is and errors.As see through
	// the Error, and so an internal error's log line says what failed. It
	// is never shown to a person on its own (Message already says what a
	// person needs to know).
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	hint := e.Hint
	if e.Try != "" {
		hint = strings.TrimSpace("run: " + e.Try + " " + e.Hint)
	}
	if hint == "" {
		return e.Message
	}
	return e.Message + " (" + hint + ")"
}

// Unwrap returns the cause of e, so errors.Is and errors.As work through it.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message. As
// with fmt.Errorf, a %w verb keeps its argument as the cause (Unwrap) and
// shows its text in the message as %v would.
func Errorf(code, format string, args ...any) *Error {
	w := fmt.Errorf(format, args...)
	e := &Error{Code: code, Message: w.Error()}
	switch w.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		e.Err = w
	}
	return e
}

// WithHint returns a copy of e that also says what to type instead.
func (e *Error) WithHint(format string, args ...any) *Error {
	c := *e
	c.Hint = fmt.Sprintf(format, args...)
	return &c
}

// WithTry returns a copy of e that also names the command to run instead,
// without the front end's prefix (see Error.Try).
func (e *Error) WithTry(format string, args ...any) *Error {
	c := *e
	c.Try = fmt.Sprintf(format, args...)
	return &c
}

// WithCause returns a copy of e that keeps err as its cause (Unwrap), for
// a message that says what err means instead of quoting it.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Errors that are not an
// *Error are internal: their text may hold details users must not see, so a
// generic message is returned instead.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorHint returns what the user should type or fix instead, if err says:
// its Hint, without its Try (which only the command grammar renders).
func ErrorHint(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}
