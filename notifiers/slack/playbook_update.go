package slack

import (
	"context"
	"fmt"

	"github.com/breachbot/breachbot/incidents"
	"github.com/breachbot/breachbot/incidents/commands"
)

// playbookUpdate posts, once, in the incident's channel that a newer
// version of its playbook exists and what it changes. Without a channel yet
// it fails, to be tried again.
func (b *Bot) playbookUpdate(ctx context.Context, n incidents.Notification) error {
	var st channelState
	if err := b.load(channelRecords, n.Incident, &st); err != nil {
		return err
	}
	if st.Channel == "" {
		return fmt.Errorf("%s has no Slack channel yet; the %s waits for it", n.Incident, n.Kind)
	}
	_, _, err := b.postOnce(ctx, st.Channel, n.ID, commands.NotificationReply(n, b.svc.Clock().Now()))
	return err
}
