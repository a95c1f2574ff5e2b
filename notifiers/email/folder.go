package email

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/breachbot/breachbot/incidents"
)

// Folder writes each message as an .eml file: the console's outbox when no
// SMTP server is configured, and the sandbox of drills. A message is
// written atomically (a temporary file renamed into place) and named after
// its Message-ID, so sending it again replaces the file instead of adding
// a second one. File names carry no address.
type Folder struct {
	dir  string
	from string
}

var _ incidents.Mailer = (*Folder)(nil)

// NewFolder returns a Folder writing into dir (created 0700 if needed).
func NewFolder(dir, from string) (*Folder, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if from == "" {
		from = "breachbot@localhost"
	}
	return &Folder{dir: abs, from: from}, nil
}

// Dir returns the folder's absolute path.
func (f *Folder) Dir() string { return f.dir }

// Connections is how many files may be written at once.
func (f *Folder) Connections() int { return 2 }

// Describe says where the messages go.
func (f *Folder) Describe() string { return "the folder " + f.dir }

// Send writes m as DIR/INCIDENT/NAME.eml, calling m.DataStarting first.
func (f *Folder) Send(_ context.Context, m *incidents.Mail) error {
	data, err := Compose(f.from, m)
	if err != nil {
		return &incidents.SendError{Permanent: true, Reply: "compose: " + incidents.RedactAddresses(err.Error())}
	}
	dir := filepath.Join(f.dir, safeName(m.Incident))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &incidents.SendError{Reply: err.Error()}
	}
	sum := sha256.Sum256([]byte(m.MessageID))
	name := filepath.Join(dir, fileStem(m.MessageID)+"-"+hex.EncodeToString(sum[:4])+".eml")
	if m.DataStarting != nil {
		if err := m.DataStarting(); err != nil {
			return &incidents.SendError{Reply: "not written: " + err.Error()}
		}
	}
	tmp, err := os.CreateTemp(dir, ".eml-*")
	if err != nil {
		return &incidents.SendError{Reply: err.Error()}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return &incidents.SendError{Reply: err.Error()}
	}
	if err := tmp.Close(); err != nil {
		return &incidents.SendError{Reply: err.Error()}
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return &incidents.SendError{Uncertain: true, Reply: fmt.Sprintf("rename: %v", err)}
	}
	return nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// fileStem is the Message-ID's local part, made safe for a file name.
func fileStem(id string) string {
	local, _, _ := strings.Cut(id, "@")
	if len(local) > 100 {
		local = local[:100]
	}
	return safeName(local)
}
