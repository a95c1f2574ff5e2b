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
// only when a playbook changed (and once at start, for changes made while
// the bot was down). It returns when ctx is done.
func (s *Service) WatchPlaybooks(ctx context.Context, period time.Duration) error {
	seen := map[string]string{} // playbook id -> pin key last checked
	for {
		if err := s.checkChangedPlaybooks(ctx, seen); err != nil && ctx.Err() == nil {
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

// checkChangedPlaybooks runs CheckPlaybookUpdates for each playbook whose
// content is not the one in seen, and records it there once done.
func (s *Service) checkChangedPlaybooks(ctx context.Context, seen map[string]string) error {
	pbs, err := s.playbooks.Playbooks(ctx)
	if err != nil {
		return err
	}
	for _, pb := range pbs {
		key := PinKey(pb)
		if seen[pb.ID] == key {
			continue
		}
		if err := s.CheckPlaybookUpdates(ctx, pb); err != nil {
			return err
		}
		seen[pb.ID] = key
	}
	return nil
}
