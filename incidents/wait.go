package incidents

import "context"

type waitHookKey struct{}

// WithWaitHook returns a context carrying hook, for code that limits how
// many requests use the CPU at once (the Slack adapter's command slots):
// whatever is about to wait on something other than the CPU (the
// database's write lock and fsync, a Slack API call) calls it through
// BeforeWait, so the limiter can let another request run meanwhile. hook
// must be safe to call more than once and from any goroutine.
func WithWaitHook(ctx context.Context, hook func()) context.Context {
	return context.WithValue(ctx, waitHookKey{}, hook)
}

// BeforeWait calls the wait hook of ctx, if it has one (WithWaitHook).
func BeforeWait(ctx context.Context) {
	if hook, ok := ctx.Value(waitHookKey{}).(func()); ok {
		hook()
	}
}
