package main

import (
	"context"

	"github.com/breachbot/breachbot/internal/adminapi"
)

// startAdmin serves data commands for app on the admin endpoint (see
// internal/adminapi). Close stops it and removes the admin file.
func startAdmin(ctx context.Context, app *App) (*adminapi.Server, error) {
	return adminapi.Serve(ctx, adminapi.File(app.Config.DB), app.Router.RunData, app.Log)
}
