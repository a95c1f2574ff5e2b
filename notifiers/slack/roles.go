package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/breachbot/breachbot/incidents"
)

// Directory resolves breachbot roles from the config's `roles:` lists of
// Slack user ids (U…, W…) and user-group ids (S…). Group members are read
// with usergroups.users.list and cached; Roles answers from the cache only,
// so resolving a role never waits for Slack (and never delays an ack). Run
// refreshes the cache in the background; a failed refresh keeps the members
// known before, so a Slack outage does not take anyone's role away.
type Directory struct {
	client *slack.Client
	roles  map[string][]string
	log    *slog.Logger
	// TTL is how long group members are trusted before Run refreshes them.
	TTL time.Duration

	mu      sync.RWMutex
	members map[string][]string   // group id -> user ids, as last fetched
	names   map[string]cachedName // user id -> display name (UserName)
	fetched time.Time
	wake    chan struct{}
}

var _ incidents.RoleResolver = (*Directory)(nil)

// NewDirectory returns a Directory for the roles of the config file.
func NewDirectory(client *slack.Client, roles map[string][]string, log *slog.Logger) *Directory {
	if log == nil {
		log = slog.Default()
	}
	return &Directory{client: client, roles: roles, log: log, TTL: 5 * time.Minute,
		members: map[string][]string{}, names: map[string]cachedName{}, wake: make(chan struct{}, 1)}
}

// isGroup reports whether a configured id names a user group.
func isGroup(id string) bool { return strings.HasPrefix(id, "S") }

// Groups returns the user-group ids the config names.
func (d *Directory) Groups() []string {
	var out []string
	for _, ids := range d.roles {
		for _, id := range ids {
			if isGroup(id) && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Roles returns the roles a Slack user holds, from the cache. A group whose
// members were never fetched counts as empty until they are (and asks Run to
// fetch them now).
func (d *Directory) Roles(_ context.Context, user string) ([]string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []string
	missing := false
	for _, role := range incidents.AllRoles {
		for _, id := range d.roles[role] {
			if id == user {
				out = append(out, role)
				break
			}
			if isGroup(id) {
				m, ok := d.members[id]
				missing = missing || !ok
				if slices.Contains(m, user) {
					out = append(out, role)
					break
				}
			}
		}
	}
	if missing {
		d.poke()
	}
	return out, nil
}

// Members returns the users of a role: the user ids listed under it and the
// cached members of its groups, each once, sorted.
func (d *Directory) Members(role string) []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []string
	for _, id := range d.roles[role] {
		ids := []string{id}
		if isGroup(id) {
			ids = d.members[id]
		}
		for _, u := range ids {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (d *Directory) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Refresh fetches the members of every configured group now. Groups it
// could not fetch keep their previous members; the first error is returned.
func (d *Directory) Refresh(ctx context.Context) error {
	var errs []error
	fresh := map[string][]string{}
	for _, g := range d.Groups() {
		users, err := d.client.GetUserGroupMembersContext(ctx, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("members of user group %s: %w", g, apiError("usergroups.users.list", err)))
			continue
		}
		fresh[g] = users
	}
	d.mu.Lock()
	for g, users := range fresh {
		d.members[g] = users
	}
	d.fetched = time.Now()
	d.mu.Unlock()
	return errors.Join(errs...)
}

// Run refreshes the group members every TTL (and when Roles meets a group
// never fetched) until ctx is done.
func (d *Directory) Run(ctx context.Context) {
	t := time.NewTicker(d.TTL)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
			d.mu.RLock()
			recent := time.Since(d.fetched) < 10*time.Second
			d.mu.RUnlock()
			if recent {
				continue // a group that failed a moment ago: wait for the ticker
			}
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := d.Refresh(rctx); err != nil && ctx.Err() == nil {
			d.log.Warn("refreshing Slack user groups failed; keeping the members known before", "err", err)
		}
		cancel()
	}
}
