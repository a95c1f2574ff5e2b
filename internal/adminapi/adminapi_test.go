package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// serve starts an endpoint whose command echoes its arguments and counts
// its runs; it stops when the test ends.
func serve(t *testing.T) (file string, runs *atomic.Int32) {
	t.Helper()
	file = File(filepath.Join(t.TempDir(), "breachbot.db"))
	runs = new(atomic.Int32)
	s, err := Serve(context.Background(), file, func(_ context.Context, args []string, stdout, stderr io.Writer) int {
		runs.Add(1)
		fmt.Fprintf(stdout, "ran %s", strings.Join(args, " "))
		fmt.Fprint(stderr, "a warning")
		return 3
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return file, runs
}

// TestEndpointRunsWhatTheClientAsks: a data command sent through the file
// runs in the serving process, and its output and exit code come back.
func TestEndpointRunsWhatTheClientAsks(t *testing.T) {
	file, runs := serve(t)
	got, err := Call(context.Background(), file, []string{"audit", "verify", "--actor", "cli:me"})
	if err != nil {
		t.Fatal(err)
	}
	want := Response{Stdout: "ran audit verify --actor cli:me", Stderr: "a warning", Code: 3}
	if got != want || runs.Load() != 1 {
		t.Errorf("got %+v after %d runs, want %+v after 1", got, runs.Load(), want)
	}
}

// TestEndpointHoldsItsGuard checks what the data commands rely on: the
// admin file is 0600 and points at loopback, a request without the token
// or with a wrong one runs nothing, and the file goes when the endpoint
// stops.
func TestEndpointHoldsItsGuard(t *testing.T) {
	file := File(filepath.Join(t.TempDir(), "breachbot.db"))
	var runs atomic.Int32
	s, err := Serve(context.Background(), file, func(context.Context, []string, io.Writer, io.Writer) int {
		runs.Add(1)
		return 0
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin file: %v %v, want mode 0600", st.Mode(), err)
	}
	data, _ := os.ReadFile(file)
	var info Info
	json.Unmarshal(data, &info)
	if !strings.HasPrefix(info.Addr, "127.0.0.1:") || info.PID != os.Getpid() {
		t.Errorf("admin file says %q pid %d, want loopback and this process", info.Addr, info.PID)
	}
	body := `{"args":["audit","verify","--actor","cli:mallory"]}`
	for _, auth := range []string{"", "Bearer ", "Bearer " + strings.Repeat("0", len(info.Token)), "Bearer " + info.Token[:len(info.Token)-1]} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+info.Addr+"/v1/run", strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: HTTP %d, want 401", auth, resp.StatusCode)
		}
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("%d commands ran without the token", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("admin file left behind: %v", err)
	}
	if _, err := Call(context.Background(), file, []string{"audit", "verify"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("after Close: %v, want ErrNoServer", err)
	}
}

// TestClientTrustsOnlyItsOwnAdminFile plants admin files that this user's
// running bot did not write: the client refuses each, says why and what to
// do, and never sends the token anywhere.
func TestClientTrustsOnlyItsOwnAdminFile(t *testing.T) {
	var asked atomic.Int32
	spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked.Add(1) }))
	defer spy.Close()
	spyAddr := strings.TrimPrefix(spy.URL, "http://")
	dir := t.TempDir()
	file := File(filepath.Join(dir, "breachbot.db"))
	write := func(addr string, mode os.FileMode) {
		data, _ := json.Marshal(Info{Addr: addr, Token: "secret-token", PID: 1})
		os.Remove(file)
		if err := os.WriteFile(file, data, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(file, mode)
	}
	for _, tc := range []struct {
		name  string
		plant func()
		want  string
	}{
		{"readable by others", func() { write(spyAddr, 0o644) }, "its mode is 0644, not 0600"},
		{"not loopback", func() { write("192.0.2.1:8080", 0o600) }, `it points at "192.0.2.1:8080", not at a loopback address`},
		{"a symbolic link", func() {
			write(spyAddr, 0o600)
			os.Rename(file, filepath.Join(dir, "elsewhere"))
			os.Symlink(filepath.Join(dir, "elsewhere"), file)
		}, "it is a symbolic link"},
		{"another user's", func() {
			if os.Getuid() != 0 {
				t.Skip("needs root to give the file away")
			}
			write(spyAddr, 0o600)
			os.Lchown(file, 65534, 65534)
		}, "it belongs to user id 65534, not to you (0)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.plant()
			_, err := Call(context.Background(), file, []string{"audit", "verify"})
			if err == nil || errors.Is(err, ErrNoServer) {
				t.Fatalf("got %v, want a refusal", err)
			}
			for _, w := range []string{"refusing the admin file " + file + ": " + tc.want, "delete the file and try again"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the token was sent %d times to an address from an untrusted admin file", n)
	}
}

// TestClientWithoutARunningBot: no file, a half-written one, or a stale
// one left by a killed process all mean nobody runs (the command then
// opens the database itself).
func TestClientWithoutARunningBot(t *testing.T) {
	file := File(filepath.Join(t.TempDir(), "breachbot.db"))
	if _, err := Call(context.Background(), file, []string{"x"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("no file: %v, want ErrNoServer", err)
	}
	os.WriteFile(file, []byte(`{"ad`), 0o600)
	if _, err := Call(context.Background(), file, []string{"x"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("half-written file: %v, want ErrNoServer", err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	data, _ := json.Marshal(Info{Addr: addr, Token: "t", PID: 1})
	os.WriteFile(file, data, 0o600)
	if _, err := Call(context.Background(), file, []string{"x"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("stale file: %v, want ErrNoServer", err)
	}
}
