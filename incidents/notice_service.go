package incidents

import "sync"

// NoticeResult is what a notice use case returns.
type NoticeResult struct {
	Incident *Incident
	Notice   *Notice
	// Notices are all notices of the incident, oldest first (status).
	Notices []*Notice
	// Unchanged is set when a draft was asked for that already exists.
	Unchanged bool
	// Voided lists notices superseded by a new draft.
	Voided []string
	// Missing names required narrative fields that are still empty.
	Missing []string
	// Unsettled lists content rules for the notice's recipients that depend
	// on facts still unknown; a draft with any cannot be submitted.
	Unsettled []UnsettledContent
	// Requeued counts recipients queued again by a retry.
	Requeued int64
	// Where says where a test message or the sending goes.
	Where string
	// Folder is set when they are written into this folder, not sent.
	Folder string
}

// noticeService holds what only the notice use cases (drafts, approval,
// test-sends, sending, recipient imports) need; the Service embeds it, and
// the rest of the Service never touches it.
type noticeService struct {
	renderer   NoticeRenderer
	mailer     Mailer
	sandbox    Mailer
	handoff    FolderMailer
	company    Company
	maxImport  int64
	importDir  string   // ImportTempDir
	imports    sync.Map // staging recipient set id -> struct{}: imports running in this process
	noticeWake chan struct{}
	testMailMu sync.Mutex
}
