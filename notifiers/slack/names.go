package slack

import (
	"context"
	"time"

	"github.com/breachbot/breachbot/incidents"
)

// NameTTL is how long a display name read from Slack is trusted.
const NameTTL = 10 * time.Minute

type cachedName struct {
	name    string
	fetched time.Time
}

// UserName returns a Slack user's display name (their profile's display
// name, else their real name), read with users.info and cached for
// NameTTL, so rendering a reply that names several people asks Slack once
// per person. A user Slack does not know, or one without a name, is
// remembered as unknown for as long; a failed call is not cached. Names
// are never logged.
func (d *Directory) UserName(ctx context.Context, user string) (string, bool) {
	if user == "" || !slackUserID.MatchString(user) {
		return "", false
	}
	d.mu.RLock()
	c, ok := d.names[user]
	d.mu.RUnlock()
	if ok && time.Since(c.fetched) < NameTTL {
		return c.name, c.name != ""
	}
	incidents.BeforeWait(ctx) // a Slack call
	u, err := d.client.GetUserInfoContext(ctx, user)
	if err != nil && errorCodeOr(err, "") != "user_not_found" {
		d.log.Warn("slack: could not read a user's name; showing their id", "user", user, "reason", errorCodeOr(err, "unreachable"))
		return "", false
	}
	name := ""
	if err == nil {
		name = u.Profile.DisplayName
		if name == "" {
			name = u.Profile.RealName
		}
		if name == "" {
			name = u.RealName
		}
	}
	d.mu.Lock()
	d.names[user] = cachedName{name: name, fetched: time.Now()}
	d.mu.Unlock()
	return name, name != ""
}
