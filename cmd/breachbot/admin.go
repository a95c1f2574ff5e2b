package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// The admin endpoint lets data commands (export, audit verify, ...) run while
// a console or server holds the database: bbolt admits one process, so those
// commands are carried out inside the running process. It listens on
// loopback only, and every request must carry the token from a 0600 file
// beside the database, which only the database's owner can read.

// adminInfo is the content of the admin file.
type adminInfo struct {
	Addr  string `json:"addr"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// adminRequest asks the running process to run a data command.
type adminRequest struct {
	Args []string `json:"args"`
}

// adminResponse carries the command's output and exit code back.
type adminResponse struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Code   int    `json:"code"`
}

func adminFile(db string) string { return db + ".admin" }

type adminServer struct {
	srv  *http.Server
	file string
	done chan struct{}
}

// startAdmin serves data commands for app on a loopback port and writes the
// admin file. Close stops it and removes the file.
func startAdmin(ctx context.Context, app *App) (*adminServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("admin endpoint: %w", err)
	}
	tok := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin token: %w", err)
	}
	token := hex.EncodeToString(tok)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/run", func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, []byte("Bearer "+token)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var req adminRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || len(req.Args) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var stdout, stderr bytes.Buffer
		code := runDataCommand(r.Context(), app, req.Args, &stdout, &stderr)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(adminResponse{Stdout: stdout.String(), Stderr: stderr.String(), Code: code})
	})
	a := &adminServer{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }},
		file: adminFile(app.Config.DB),
		done: make(chan struct{}),
	}
	info, _ := json.Marshal(adminInfo{Addr: ln.Addr().String(), Token: token, PID: os.Getpid()})
	if err := writeFile0600(a.file, info); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin file: %w", err)
	}
	go func() {
		defer close(a.done)
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			app.Log.Error("admin endpoint stopped", "err", err)
		}
	}()
	return a, nil
}

// Close stops the endpoint and removes the admin file.
func (a *adminServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.srv.Shutdown(ctx)
	<-a.done
	os.Remove(a.file)
	return err
}

// writeFile0600 writes data to path atomically, readable by the owner only.
func writeFile0600(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".breachbot-admin-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// errNoServer means no running process answered for the database.
var errNoServer = errors.New("no running breachbot for this database")

// callAdmin runs a data command in the process that holds db, if one runs.
func callAdmin(ctx context.Context, db string, args []string) (adminResponse, error) {
	data, err := os.ReadFile(adminFile(db))
	if errors.Is(err, fs.ErrNotExist) {
		return adminResponse{}, errNoServer
	} else if err != nil {
		return adminResponse{}, fmt.Errorf("read %s: %w", adminFile(db), err)
	}
	var info adminInfo
	if err := json.Unmarshal(data, &info); err != nil || info.Addr == "" {
		return adminResponse{}, errNoServer // a half-written or foreign file
	}
	if err := trustAdminFile(adminFile(db), info); err != nil {
		return adminResponse{}, err
	}
	body, _ := json.Marshal(adminRequest{Args: args})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+info.Addr+"/v1/run", bytes.NewReader(body))
	if err != nil {
		return adminResponse{}, err
	}
	req.Header.Set("Authorization", "Bearer "+info.Token)
	client := &http.Client{Transport: &http.Transport{
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		Proxy:       nil,
	}}
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return adminResponse{}, errNoServer // stale file from a process that was killed
		}
		return adminResponse{}, fmt.Errorf("running breachbot (pid %d) did not answer: %w", info.PID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return adminResponse{}, fmt.Errorf("running breachbot (pid %d) refused: %s %s", info.PID, resp.Status, bytes.TrimSpace(msg))
	}
	var out adminResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return adminResponse{}, fmt.Errorf("read answer of running breachbot: %w", err)
	}
	return out, nil
}

// trustAdminFile refuses an admin file that the running bot of this user
// did not write: the token and the data commands' output go where it
// points, so it must be owned by the same user, readable by that user only
// (0600, as startAdmin writes it), not a symbolic link, and point at a
// loopback address.
func trustAdminFile(path string, info adminInfo) error {
	refuse := func(why string) error {
		return fmt.Errorf("refusing the admin file %s: %s. A running breachbot writes it itself; if none runs for this database, delete the file and try again", path, why)
	}
	st, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		return refuse("it is a symbolic link")
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		return refuse(fmt.Sprintf("its mode is %04o, not 0600", perm))
	}
	if uid, ok := fileOwner(st); ok && uid != os.Getuid() {
		return refuse(fmt.Sprintf("it belongs to user id %d, not to you (%d)", uid, os.Getuid()))
	}
	host, _, err := net.SplitHostPort(info.Addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return refuse(fmt.Sprintf("it points at %q, not at a loopback address", info.Addr))
	}
	return nil
}
