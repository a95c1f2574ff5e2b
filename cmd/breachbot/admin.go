package main

import (
	"context"
	"io"

	"github.com/breachbot/breachbot/internal/adminapi"
)

// startAdmin serves data commands for app on the admin endpoint (see
// internal/adminapi). Close stops it and removes the admin file.
func startAdmin(ctx context.Context, app *App) (*adminapi.Server, error) {
	return adminapi.Serve(ctx, adminapi.File(app.Config.DB), func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return runDataCommand(ctx, app, args, stdout, stderr)
	}, app.Log)
}
