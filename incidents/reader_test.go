package incidents_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/breachbot/breachbot/incidents"
)

func TestReaderReadsForTheBotWithoutARole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	open := e.declare(t0, "jurisdictions=DE")
	closed := e.declare(t0, "jurisdictions=DE")
	// Closed as the record says, however it got there.
	err := e.store.Update(ctx, func(tx incidents.Tx) error {
		inc, err := tx.Incident(closed.ID)
		if err != nil {
			return err
		}
		inc.State = incidents.StateClosed
		return tx.PutIncident(inc)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := e.svc.Reader()

	res, err := r.Incident(ctx, open.ID)
	if err != nil {
		t.Fatalf("Reader.Incident(%s): %v", open.ID, err)
	}
	if res.Incident.ID != open.ID || res.Playbook == nil || res.Playbook.ID != res.Incident.Playbook.ID || res.Playbook.SHA256 != res.Incident.Playbook.SHA256 {
		t.Errorf("Reader.Incident = %s with playbook %+v; want %s with its pinned playbook", res.Incident.ID, res.Playbook, open.ID)
	}
	if _, err := r.Incident(ctx, "INC-2026-9999"); incidents.ErrorCode(err) != incidents.ENOTFOUND {
		t.Errorf("Reader.Incident of an unknown id: %v, want not found", err)
	}

	list, err := r.OpenIncidents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range list {
		ids = append(ids, o.ID)
		if o.Playbook != open.Playbook.ID || o.Pin != open.Playbook.Key {
			t.Errorf("Reader.OpenIncidents: %s runs %s %s; want %s %s", o.ID, o.Playbook, o.Pin, open.Playbook.ID, open.Playbook.Key)
		}
	}
	if diff := cmp.Diff([]string{open.ID}, ids); diff != "" {
		t.Errorf("Reader.OpenIncidents (-want +got):\n%s", diff)
	}

	if err := r.Ping(ctx); err != nil {
		t.Errorf("Ping on an open database: %v", err)
	}
	e.store.Close()
	if err := r.Ping(ctx); err == nil {
		t.Error("Ping on a closed database: no error; want the database's error")
	}
	e.open() // for the cleanup's Close
}
