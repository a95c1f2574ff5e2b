package main

import (
	"context"
	"fmt"
	"io"
)

// registerArgs are the arguments a register command line passes to
// runDataCommand: the format, and --since only when given.
func registerArgs(args []string, format, since string) []string {
	args = append(args, "--format", format)
	if since != "" {
		args = append(args, "--since", since)
	}
	return args
}

// runRegister prints the breach register ("register" data command).
func runRegister(ctx context.Context, app *App, actor string, rest []string, format, since string, stdout, stderr io.Writer, fail func(error) int) int {
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "usage: breachbot register [--format csv|json|md] [--since 2026-01-01]")
		return 2
	}
	f, err := app.Router.Register(ctx, actor, format, since)
	if err != nil {
		return fail(err)
	}
	stdout.Write(f.Data)
	return 0
}
