package boltstore

import (
	"encoding/binary"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// reopen closes s and opens its file again, as a restart does.
func reopen(t *testing.T, s *Store) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// raw returns the value under key in bucket, read straight from the file.
func raw(t *testing.T, s *Store, bucket []byte, key []byte) []byte {
	t.Helper()
	var v []byte
	if err := s.db.View(func(tx *bolt.Tx) error {
		v = append([]byte(nil), tx.Bucket(bucket).Get(key)...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSlackSeenKeysOutliveARestartUntilTheyExpire(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "breachbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	st := s.SlackState()
	if err := st.RecordSeen(map[string]time.Time{
		"v0=sig-a": now.Add(5 * time.Minute),
		"trig-b":   now.Add(time.Hour),
		"env-c":    now.Add(-time.Second), // already expired
		"env-d":    now.Add(time.Hour),
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordSeen(nil, []string{"env-d", "never-seen"}); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	got, err := s.SlackState().SeenKeys(now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"v0=sig-a": now.Add(5 * time.Minute), "trig-b": now.Add(time.Hour)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("seen keys after restart (-want +got):\n%s", diff)
	}
	// The encoding of existing databases: unix ns, big-endian.
	if v := raw(t, s, []byte("slack_seen"), []byte("trig-b")); len(v) != 8 || int64(binary.BigEndian.Uint64(v)) != now.Add(time.Hour).UnixNano() {
		t.Errorf("slack_seen/trig-b = %x, want the expiry in unix ns", v)
	}
}

func TestSlackChannelAndPostRecordsAreKeptAsGiven(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	st := s.SlackState()
	if rec, err := st.ChannelRecord("INC-2026-0001"); rec != nil || err != nil {
		t.Fatalf("channel record of an incident never set up = %q, %v; want none", rec, err)
	}
	if rec, err := st.PostRecord("board:INC-2026-0001"); rec != nil || err != nil {
		t.Fatalf("post record never written = %q, %v; want none", rec, err)
	}
	ch := []byte(`{"name":"inc-2026-0001-db","channel":"C1"}`)
	if err := st.PutChannelRecord("INC-2026-0001", ch); err != nil {
		t.Fatal(err)
	}
	posts := map[string]string{
		"remind:INC-2026-0001:gdpr": `{"channel":"C1","ts":"1.2"}`,
		"board:INC-2026-0001":       `{"channel":"C1","attempted":true}`,
		"board:INC-2026-0002":       `{"channel":"C2","ts":"3.4"}`,
	}
	for k, v := range posts {
		if err := st.PutPostRecord(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeletePostRecord("board:INC-2026-0002"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeletePostRecord("no-such-post"); err != nil {
		t.Errorf("deleting a post never recorded: %v", err)
	}

	s = reopen(t, s)
	st = s.SlackState()
	if rec, err := st.ChannelRecord("INC-2026-0001"); string(rec) != string(ch) || err != nil {
		t.Errorf("channel record after restart = %q, %v; want %q", rec, err, ch)
	}
	if rec, err := st.PostRecord("board:INC-2026-0001"); string(rec) != posts["board:INC-2026-0001"] || err != nil {
		t.Errorf("post record after restart = %q, %v", rec, err)
	}
	var keys, vals []string
	if err := st.PostRecords(func(k string, v []byte) error {
		keys, vals = append(keys, k), append(vals, string(v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"board:INC-2026-0001", "remind:INC-2026-0001:gdpr"}, keys); diff != "" {
		t.Errorf("posts listed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{posts["board:INC-2026-0001"], posts["remind:INC-2026-0001:gdpr"]}, vals); diff != "" {
		t.Errorf("post records listed (-want +got):\n%s", diff)
	}
	// Existing databases keep these buckets under these names.
	if v := raw(t, s, []byte("slack_channels"), []byte("INC-2026-0001")); string(v) != string(ch) {
		t.Errorf("slack_channels/INC-2026-0001 = %q", v)
	}
	if v := raw(t, s, []byte("slack_posts"), []byte("remind:INC-2026-0001:gdpr")); string(v) != posts["remind:INC-2026-0001:gdpr"] {
		t.Errorf("slack_posts/remind:... = %q", v)
	}
}

// pendingJSON is a stand-in for the webhook's pending status record.
func pendingJSON(seq uint64, sha string) []byte {
	return []byte(`{"key":` + strconv.FormatUint(seq, 10) + `,"sha":"` + sha + `"}`)
}

func TestGitHubPushIsRecordedOncePerDeliveryAndCommit(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	g := s.GitHubLog()
	t0 := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	const repo, ref = "Acme/Playbooks", "refs/heads/main"
	queuedSHA := func(sha string) func([]byte) bool {
		return func(v []byte) bool {
			return string(v) == string(pendingJSON(1, sha)) || string(v) == string(pendingJSON(2, sha))
		}
	}
	push := func(delivery string, at time.Time, sha string) (bool, bool, []uint64) {
		t.Helper()
		var seqs []uint64
		dup, done, err := g.RecordPush(delivery, at, at.Add(-7*24*time.Hour), repo, ref, sha, queuedSHA(sha),
			func(seq uint64) ([]byte, error) { seqs = append(seqs, seq); return pendingJSON(seq, sha), nil })
		if err != nil {
			t.Fatal(err)
		}
		return dup, done, seqs
	}
	if dup, done, seqs := push("d-1", t0, "aaa"); dup || done || !cmp.Equal(seqs, []uint64{1}) {
		t.Fatalf("first push: dup %v done %v queued %v; want queued as 1", dup, done, seqs)
	}
	if dup, _, seqs := push("d-1", t0.Add(time.Minute), "aaa"); !dup || seqs != nil {
		t.Errorf("same delivery again: dup %v queued %v; want a duplicate, nothing queued", dup, seqs)
	}
	if dup, done, seqs := push("d-2", t0.Add(time.Minute), "aaa"); dup || !done || seqs != nil {
		t.Errorf("same commit, new delivery, still queued: dup %v done %v queued %v; want done", dup, done, seqs)
	}
	if dup, done, seqs := push("d-3", t0.Add(2*time.Minute), "bbb"); dup || done || !cmp.Equal(seqs, []uint64{2}) {
		t.Errorf("another commit: dup %v done %v queued %v; want queued as 2", dup, done, seqs)
	}

	// Progress on 2, then 1 reported and 2 dropped.
	if err := g.UpdateStatus(2, []byte(`{"key":2,"sha":"bbb","attempts":1}`)); err != nil {
		t.Fatal(err)
	}
	type rec struct {
		Seq    uint64
		Status string
	}
	pending := func() []rec {
		t.Helper()
		var got []rec
		if err := g.PendingStatuses(func(seq uint64, v []byte) error { got = append(got, rec{seq, string(v)}); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := []rec{{1, string(pendingJSON(1, "aaa"))}, {2, `{"key":2,"sha":"bbb","attempts":1}`}}
	if diff := cmp.Diff(want, pending()); diff != "" {
		t.Errorf("pending statuses (-want +got):\n%s", diff)
	}
	if err := g.StatusReported(1, repo, ref, "AAA", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := g.DropStatus(2); err != nil {
		t.Fatal(err)
	}
	if err := g.UpdateStatus(2, []byte(`{"key":2,"attempts":2}`)); err != nil {
		t.Fatal(err)
	}
	if got := pending(); len(got) != 0 {
		t.Errorf("pending after report, drop and a late update: %v; want none (an update does not bring back a dropped status)", got)
	}

	s = reopen(t, s)
	g = s.GitHubLog()
	// Reported: a push of that commit (repository named in another case)
	// under a new delivery id reports nothing again.
	var called bool
	dup, done, err := g.RecordPush("d-4", t0.Add(time.Hour), t0, "acme/playbooks", ref, "aaa",
		func([]byte) bool { return false }, func(uint64) ([]byte, error) { called = true; return nil, nil })
	if err != nil || dup || !done || called {
		t.Errorf("push of a reported commit: dup %v done %v queued %v err %v; want done, nothing queued", dup, done, called, err)
	}
	// The key and value of existing databases.
	if v := raw(t, s, []byte("github_reported"), []byte("acme/playbooks\x00refs/heads/main\x00aaa")); string(v) != "2026-11-30T03:03:00Z" {
		t.Errorf("github_reported = %q, want the time in RFC 3339", v)
	}
	if v := raw(t, s, []byte("github_deliveries"), []byte("d-4")); string(v) != "2026-11-30T04:00:00Z" {
		t.Errorf("github_deliveries/d-4 = %q, want the time received in RFC 3339", v)
	}

	// Eight days on, the old delivery ids are forgotten: d-1 is new again.
	later := t0.Add(8 * 24 * time.Hour)
	if _, _, err := g.RecordPush("d-5", later, later.Add(-7*24*time.Hour), repo, ref, "ccc",
		func([]byte) bool { return false }, func(seq uint64) ([]byte, error) { return pendingJSON(seq, "ccc"), nil }); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"d-1", "d-2", "d-3", "d-4"} {
		if v := raw(t, s, []byte("github_deliveries"), []byte(d)); v != nil {
			t.Errorf("delivery %s received over 7 days ago is still kept (%q)", d, v)
		}
	}
	if v := raw(t, s, []byte("github_deliveries"), []byte("d-5")); v == nil {
		t.Errorf("delivery d-5 was not recorded")
	}
}
