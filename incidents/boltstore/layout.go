package boltstore

// The database file's layout: every bucket, its keys and values, and who
// reads and writes it. This is the only list; code elsewhere in breachbot
// never names a bucket. Names and encodings are those of existing databases
// and must not change without a migration. Integers are big-endian uint64
// unless said otherwise; "JSON" is encoding/json of the type named.
//
// The incidents store (Store, Tx; package incidents through incidents.Tx):
//
//	incidents          incident id                    -> JSON incidents.Incident
//	counters           "incident:<year>"              -> last incident number of the year
//	                   "notice:<incident>"            -> last notice number of the incident
//	pins               incidents.PinKey (playbook sha256 "+" catalog sha256)
//	                                                  -> JSON incidents.Playbook, written once
//	current            Slack or console user id       -> id of the user's current incident
//	schedule           timeKey(at) + incident \0 obligation \0 kind \0 label \0
//	                                                  -> JSON incidents.Alarm (timeKey: unix ns with
//	                                                     the sign bit flipped, so byte order is time order)
//	outbox             sequence                       -> JSON incidents.Notification awaiting delivery
//	outbox_ids         notification id                -> its outbox key (sequence)
//	delivered          notification id                -> timeKey of delivery (dedupe after delivery)
//	audit              sequence                       -> JSON incidents.AuditEntry (hash-chained)
//	audit_by_incident  incident id \0 sequence        -> empty (index of audit by incident)
//	meta               "audit_head"                   -> hash of the last audit entry
//	                   "encryption_key_check"         -> check value of the recipients' key (crypto.go)
//	channels           Slack channel id               -> incident id (incidents.Incident.Channel)
//	obligation_phases  incident id of an open incident -> JSON {phase: count} of its obligations
//	                   "\x00total"                    -> JSON {phase: count} over every open incident
//	                   "\x00built"                    -> empty once the counts cover every incident
//	                                                     (kept by PutIncident: a scrape reads one key)
//	open_incidents     incident id of an open incident -> JSON incidents.OpenIncident (playbook,
//	                                                     pin, channel, the instants a board shows)
//	                   "\x00built"                    -> empty once every incident is summarised
//	                                                     (kept by PutIncident: timers walk this, open.go)
//	recipient_sets     set id ("R" + the bucket's sequence)
//	                                                  -> JSON incidents.RecipientSet (no personal data)
//	recipients         set id (nested bucket), removed with the set:
//	                     "r" sequence                 -> recipient, AES-256-GCM sealed, additional data
//	                                                     "recipients/<set>/<seq>" (recipients.go)
//	                     "i" keyed hash of address    -> sequence
//	notices            incident \0 notice number      -> JSON incidents.Notice (no personal data)
//	notice_sends       incident \0 notice number      -> JSON incidents.SendState
//	deliveries         "<incident>/<notice>" (nested bucket), a notice's outbox:
//	                     "d" recipient sequence       -> delivery, compact binary (encodeDelivery)
//	                     "x:<state>" recipient seq    -> empty (index of recipients in a state
//	                                                     a restart or retry looks up)
//
// The Slack adapter's state (SlackState, implementing slack.State; owner
// notifiers/slack, which alone encodes the JSON records):
//
//	slack_seen         request signature, trigger id or envelope id
//	                                                  -> unix ns when it may be forgotten
//	slack_channels     incident id                    -> JSON record of the incident's channel and how
//	                                                     far setting it up got (slack channelState)
//	slack_posts        message key (names the incident between colons)
//	                                                  -> JSON record of the posted message: channel,
//	                                                     ts, attempted, seq (slack postRecord)
//
// The GitHub webhook's state (GitHubLog, implementing github.DeliveryLog;
// owner notifiers/github, which alone encodes the JSON records):
//
//	github_deliveries  X-GitHub-Delivery id           -> when received, RFC 3339 with ns, UTC
//	github_statuses    sequence                       -> JSON commit status on its way to GitHub
//	                                                     (github pendingStatus)
//	github_reported    lower(repo) \0 ref \0 lower(sha)
//	                                                  -> when GitHub took its status, RFC 3339, UTC

// Bucket names; see the layout above.
var (
	bucketIncidents       = []byte("incidents")
	bucketCounters        = []byte("counters")
	bucketPins            = []byte("pins")
	bucketCurrent         = []byte("current")
	bucketSchedule        = []byte("schedule")
	bucketOutbox          = []byte("outbox")
	bucketOutboxIDs       = []byte("outbox_ids")
	bucketDelivered       = []byte("delivered")
	bucketAudit           = []byte("audit")
	bucketAuditByIncident = []byte("audit_by_incident")
	bucketMeta            = []byte("meta")
	bucketChannels        = []byte("channels")
	bucketRecipientSets   = []byte("recipient_sets")
	bucketRecipients      = []byte("recipients")
	bucketNotices         = []byte("notices")
	bucketDeliveries      = []byte("deliveries")
	bucketNoticeSends     = []byte("notice_sends")
	bucketPhases          = []byte("obligation_phases")
	bucketOpen            = []byte("open_incidents")

	bucketSlackSeen     = []byte("slack_seen")
	bucketSlackChannels = []byte("slack_channels")
	bucketSlackPosts    = []byte("slack_posts")

	bucketGitHubDeliveries = []byte("github_deliveries")
	bucketGitHubStatuses   = []byte("github_statuses")
	bucketGitHubReported   = []byte("github_reported")

	// allBuckets are created by Open.
	allBuckets = [][]byte{bucketIncidents, bucketCounters, bucketPins, bucketCurrent, bucketSchedule,
		bucketOutbox, bucketOutboxIDs, bucketDelivered, bucketAudit, bucketAuditByIncident, bucketMeta, bucketChannels,
		bucketRecipientSets, bucketRecipients, bucketNotices, bucketDeliveries, bucketNoticeSends, bucketPhases, bucketOpen,
		bucketSlackSeen, bucketSlackChannels, bucketSlackPosts,
		bucketGitHubDeliveries, bucketGitHubStatuses, bucketGitHubReported}

	keyAuditHead = []byte("audit_head")
)
