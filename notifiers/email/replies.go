package email

import (
	"fmt"
)

// A mail server's reply text is the server's own prose, and often names the
// recipient ("Mailbox full for user fullbox.secret (Frieda Fullbox)"). It is
// never kept: a failure is stored and shown as its reply code, its enhanced
// status code (RFC 3463) and a fixed description of that code's class.

// enhancedClass describes the enhanced status codes breachbot knows, by
// subject.detail (RFC 3463, RFC 7372 and the IANA registry).
var enhancedClass = map[[2]int]string{
	{0, 0}: "undefined status",
	{1, 0}: "address problem", {1, 1}: "bad destination mailbox address", {1, 2}: "bad destination system address",
	{1, 3}: "bad destination mailbox address syntax", {1, 4}: "ambiguous destination mailbox address",
	{1, 5}: "destination address valid", {1, 6}: "destination mailbox has moved", {1, 7}: "bad sender's mailbox address syntax",
	{1, 8}: "bad sender's system address", {1, 10}: "recipient address has null MX",
	{2, 0}: "mailbox problem", {2, 1}: "mailbox disabled", {2, 2}: "mailbox full", {2, 3}: "message too long for the mailbox",
	{2, 4}: "mailing list expansion problem",
	{3, 0}: "mail system problem", {3, 1}: "mail system full", {3, 2}: "system not accepting messages",
	{3, 3}: "system cannot handle the message's features", {3, 4}: "message too big for the system", {3, 5}: "system incorrectly configured",
	{4, 0}: "network or routing problem", {4, 1}: "no answer from the host", {4, 2}: "bad connection", {4, 3}: "directory server failure",
	{4, 4}: "unable to route", {4, 5}: "mail system congestion", {4, 6}: "routing loop detected", {4, 7}: "delivery time expired",
	{5, 0}: "protocol problem", {5, 1}: "invalid command", {5, 2}: "syntax error", {5, 3}: "too many recipients",
	{5, 4}: "invalid command arguments", {5, 5}: "wrong protocol version",
	{6, 0}: "message content problem", {6, 1}: "media not supported", {6, 2}: "conversion required and prohibited",
	{6, 3}: "conversion required but not supported", {6, 4}: "conversion with loss performed", {6, 5}: "conversion failed",
	{7, 0}: "security or policy problem", {7, 1}: "delivery not authorized, message refused", {7, 2}: "mailing list expansion prohibited",
	{7, 3}: "security conversion required but not possible", {7, 4}: "security features not supported",
	{7, 5}: "cryptographic failure", {7, 6}: "cryptographic algorithm not supported", {7, 7}: "message integrity failure",
	{7, 8}: "authentication credentials invalid", {7, 9}: "authentication mechanism too weak",
	{7, 25}: "reverse DNS validation failed", {7, 26}: "multiple authentication checks failed",
}

// basicClass describes the basic reply codes (RFC 5321 section 4.2.3).
var basicClass = map[int]string{
	421: "service not available", 450: "mailbox unavailable", 451: "local error in processing", 452: "insufficient system storage",
	455: "server unable to accommodate parameters", 500: "syntax error, command unrecognized", 501: "syntax error in parameters or arguments",
	502: "command not implemented", 503: "bad sequence of commands", 504: "command parameter not implemented",
	521: "host does not accept mail", 530: "authentication required", 534: "authentication mechanism too weak",
	535: "authentication credentials invalid", 550: "mailbox unavailable", 551: "user not local", 552: "exceeded storage allocation",
	553: "mailbox name not allowed", 554: "transaction failed", 555: "MAIL FROM/RCPT TO parameters not recognized",
}

// replyClass returns a failure's enhanced status code ("5.2.2", "" if the
// server gave none) and a fixed description of it: never the server's text.
func replyClass(code int, enhanced [3]int) (string, string) {
	if enhanced[0] == 4 || enhanced[0] == 5 {
		ec := fmt.Sprintf("%d.%d.%d", enhanced[0], enhanced[1], enhanced[2])
		if d, ok := basicClass[code]; ok && enhanced[1] == 0 && enhanced[2] == 0 {
			return ec, d // X.0.0 says nothing more than the basic code
		}
		if d, ok := enhancedClass[[2]int{enhanced[1], enhanced[2]}]; ok {
			return ec, d
		}
		if d, ok := enhancedClass[[2]int{enhanced[1], 0}]; ok {
			return ec, d
		}
		return ec, "other failure"
	}
	if d, ok := basicClass[code]; ok {
		return "", d
	}
	if code >= 500 {
		return "", "permanent failure"
	}
	return "", "temporary failure"
}
