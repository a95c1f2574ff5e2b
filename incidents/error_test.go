package incidents_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/boltstore/boltstoretest"
	"github.com/breachbot/breachbot/incidents/clocktest"
	"github.com/breachbot/breachbot/incidents/noticetest"
)

// errDisk stands for what broke under an import: a disk, a pipe, a download.
var errDisk = errors.New("disk read failed")

// failingReader gives its text and then fails.
type failingReader struct {
	text string
	sent bool
}

func (r *failingReader) Read(p []byte) (int, error) {
	if !r.sent && r.text != "" {
		r.sent = true
		return copy(p, r.text), nil
	}
	return 0, errDisk
}

// An *incidents.Error keeps its cause: a caller (and the log of an internal
// error) can still tell what broke, instead of a flattened string.
func TestErrorKeepsItsCause(t *testing.T) {
	t.Run("Errorf with %w", func(t *testing.T) {
		err := incidents.Errorf(incidents.EINTERNAL, "save incident: %w", io.ErrUnexpectedEOF).WithHint("try again")
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) = false", err)
		}
		if got, want := err.Message, "save incident: unexpected EOF"; got != want {
			t.Errorf("Message = %q, want %q", got, want)
		}
		var wrapped error = errors.Join(errors.New("outer"), err)
		if incidents.ErrorCode(wrapped) != incidents.EINTERNAL || !errors.Is(wrapped, io.ErrUnexpectedEOF) {
			t.Errorf("through a wrapper: code %q, errors.Is %v", incidents.ErrorCode(wrapped), errors.Is(wrapped, io.ErrUnexpectedEOF))
		}
	})
	t.Run("an import whose reader fails", func(t *testing.T) {
		store := boltstoretest.MustOpenAt(t, filepath.Join(t.TempDir(), "breachbot.db"))
		if err := store.SetEncryptionKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
			t.Fatal(err)
		}
		pb := &incidents.Playbook{ID: "p", Version: "1", Title: "P", SHA256: "s", Catalog: incidents.CatalogRef{SHA256: "c"},
			Facts:  []incidents.FactDef{{Name: "affected", Type: incidents.FactNumber}},
			Events: []incidents.EventDef{{Name: "awareness"}}}
		svc := incidents.NewService(incidents.Config{Store: store, Playbooks: onePlaybook{pb}, Clock: clocktest.New(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)),
			Notices: noticetest.Renderer{}, Mailer: &noticetest.Mailer{}, Company: incidents.Company{Name: "Acme", ContactEmail: "privacy@acme.example"}})
		ctx := context.Background()
		res, err := svc.Declare(ctx, "U1", incidents.DeclareInput{Title: "Leak"})
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"email,name\np1@example.com,P1\n", ""} {
			_, err = svc.ImportRecipients(ctx, "U1", res.Incident.ID, &failingReader{text: text}, incidents.ImportInput{})
			if err == nil {
				t.Fatal("the import of a failing file succeeded")
			}
			if !errors.Is(err, errDisk) {
				t.Errorf("errors.Is(%v, errDisk) = false: the cause was flattened", err)
			}
			if incidents.ErrorCode(err) != incidents.EINVALID {
				t.Errorf("code %q, want invalid", incidents.ErrorCode(err))
			}
		}
	})
}
