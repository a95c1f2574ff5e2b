package incidents

import (
	"context"
	"time"
)

// WatchPlaybooks reads the playbook source every period (the Workers run it
// every minute) and, when a playbook's content differs from what it saw
// last, tells the channel of every open incident pinned to an older version
// (CheckPlaybookUpdates: once per incident and version). So a lead who
// edits the folder, or pushes to the GitHub ref, is heard by the running
// incidents without anyone declaring a new one. Open incidents are read
// only when a playbook changed since the Service last checked it (and once
// at start, for changes made while the bot was down). It returns when ctx
// is done.
func (s *Service) WatchPlaybooks(ctx context.Context, period time.Duration) error {
	for {
		if err := s.CheckPlaybookSource(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("check running incidents against the playbook source", "err", err)
		}
		timer := s.clock.NewTimer(period)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C():
		}
	}
}

// checkPlaybook runs CheckPlaybookUpdates for pb unless this content was
// already checked (by a declaration or a watch tick).
func (s *Service) checkPlaybook(ctx context.Context, pb *Playbook) error {
	key := PinKey(pb)
	if k, ok := s.checked.Load(pb.ID); ok && k.(string) == key {
		return nil
	}
	if err := s.CheckPlaybookUpdates(ctx, pb); err != nil {
		return err
	}
	s.checked.Store(pb.ID, key)
	return nil
}
