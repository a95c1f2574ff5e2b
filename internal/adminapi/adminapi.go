// Package adminapi is the admin endpoint: it lets data commands (export,
// audit verify, notice ...) run while a console or server holds the
// database. bbolt admits one process, so those commands are carried out
// inside the running process. The server listens on loopback only, and
// every request must carry the token from a 0600 file beside the database,
// which only the database's owner can read; the client refuses a file that
// the running bot of this user did not write.
package adminapi

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
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/breachbot/breachbot/internal/atomicfile"
)

// Info is the content of the admin file.
type Info struct {
	Addr  string `json:"addr"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// request asks the running process to run a data command.
type request struct {
	Args []string `json:"args"`
}

// Response carries a command's output and exit code back.
type Response struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Code   int    `json:"code"`
}

// File is the path of the admin file of the database db.
func File(db string) string { return db + ".admin" }

// Runner runs a data command's arguments, writes its output to stdout and
// stderr and returns its exit code.
type Runner func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Server is a running admin endpoint. Close stops it.
type Server struct {
	srv  *http.Server
	file string
	done chan struct{}
}

// Serve serves run on a loopback port and writes the admin file at file
// (see File). Requests run with ctx as their base context; a server that
// stops on its own is logged on log. Close stops it and removes the file.
func Serve(ctx context.Context, file string, run Runner, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
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
		var req request
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || len(req.Args) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var stdout, stderr bytes.Buffer
		code := run(r.Context(), req.Args, &stdout, &stderr)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Response{Stdout: stdout.String(), Stderr: stderr.String(), Code: code})
	})
	s := &Server{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }},
		file: file,
		done: make(chan struct{}),
	}
	info, _ := json.Marshal(Info{Addr: ln.Addr().String(), Token: token, PID: os.Getpid()})
	if err := atomicfile.WriteOwnerOnly(file, info, ".breachbot-admin-"); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin file: %w", err)
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin endpoint stopped", "err", err)
		}
	}()
	return s, nil
}

// Close stops the endpoint and removes the admin file.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	os.Remove(s.file)
	return err
}
