package slack_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/breachbot/breachbot/internal/logtest"
	"github.com/breachbot/breachbot/notifiers/email/smtptest"
)

// TestImportUploadInternalFailureShowsARef submits the import form while
// the database is closed under the bot: the uploader reads an internal
// error with a reference to quote, never the cause, and the log holds that
// reference once, with the cause, for the admin.
func TestImportUploadInternalFailureShowsARef(t *testing.T) {
	var log logtest.Buffer
	e := newEnv(t, envOptions{notices: smtptest.Start(t), log: &log})
	e.answer(alice, "C0GENERAL", `declare Customer DB exposed --aware 2026-11-28T09:00Z`)
	ch := e.declaredChannel("INC-2026-0001")
	_, _, trigger := e.command(alice, ch.ID, "notice import")
	e.ws.WaitFor("the import form", func() bool { return len(e.ws.Views()) == 1 })
	file := e.ws.UserUpload(alice, "customers.csv", []byte(affectedCSV))

	if err := e.store.Close(); err != nil { // the import's transaction cannot run
		t.Fatal(err)
	}
	if status, body := e.submit(alice, e.ws.Views()[0], map[string]any{"file": file}); status != http.StatusOK || body != "" {
		t.Fatalf("import form: HTTP %d %q", status, body)
	}
	got := e.response(trigger, "the failed import's answer")
	m := regexp.MustCompile(`internal error \(ref ([0-9a-f]+)\)`).FindStringSubmatch(got)
	if m == nil || !strings.Contains(got, "nothing was changed") {
		t.Fatalf("the uploader is given no reference to quote:\n%s", got)
	}
	if strings.Contains(got, "database not open") || strings.Contains(got, "closed") {
		t.Errorf("the uploader is shown the cause:\n%s", got)
	}
	logged := log.String()
	if n := strings.Count(logged, m[1]); n != 1 {
		t.Fatalf("the ref %s is in the log %d times, want once:\n%s", m[1], n, logged)
	}
	line := logged[strings.LastIndex(logged[:strings.Index(logged, m[1])], "\n")+1:]
	line = line[:strings.IndexByte(line, '\n')]
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "user="+alice) || !strings.Contains(line, "database not open") {
		t.Errorf("the log line of the ref does not say who and what failed:\n%s", line)
	}
}
