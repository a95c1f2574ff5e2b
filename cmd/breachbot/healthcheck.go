package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// runHealthcheck asks a running `serve` on this machine for GET /healthz at
// BREACHBOT_HTTP_ADDR (or http_addr in the config) and exits 0 if it
// answers 200, else 1: the container image's HEALTHCHECK, which has no
// shell or curl to do it.
func (m *Main) runHealthcheck(ctx context.Context, args []string) int {
	fs := m.flagSet("healthcheck")
	var c commonFlags
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := m.loadConfig(c)
	if err != nil {
		fmt.Fprintf(m.Stderr, "breachbot healthcheck: %v\n", err)
		return 1
	}
	url := "http://" + localAddr(cfg.HTTPAddr) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(m.Stderr, "breachbot healthcheck: BREACHBOT_HTTP_ADDR %q: %v\n", cfg.HTTPAddr, err)
		return 1
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(m.Stderr, "breachbot healthcheck: unhealthy: %s did not answer: %v\n", url, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(m.Stderr, "breachbot healthcheck: unhealthy: %s answered %s %s\n", url, resp.Status, strings.TrimSpace(string(body)))
		return 1
	}
	fmt.Fprintf(m.Stdout, "healthy: %s\n", url)
	return 0
}

// localAddr turns a listen address (":8080", "0.0.0.0:8080", "[::]:8080")
// into one to connect to on this machine.
func localAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
