package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"
)

// ErrNoServer means no running process answered for the database.
var ErrNoServer = errors.New("no running breachbot for this database")

// Call runs a data command in the process that wrote the admin file at
// file, if one runs; ErrNoServer if none does.
func Call(ctx context.Context, file string, args []string) (Response, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return Response{}, ErrNoServer
	} else if err != nil {
		return Response{}, fmt.Errorf("read %s: %w", file, err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil || info.Addr == "" {
		return Response{}, ErrNoServer // a half-written or foreign file
	}
	if err := trustFile(file, info); err != nil {
		return Response{}, err
	}
	body, _ := json.Marshal(request{Args: args})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+info.Addr+"/v1/run", bytes.NewReader(body))
	if err != nil {
		return Response{}, err
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
			return Response{}, ErrNoServer // stale file from a process that was killed
		}
		return Response{}, fmt.Errorf("running breachbot (pid %d) did not answer: %w", info.PID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return Response{}, fmt.Errorf("running breachbot (pid %d) refused: %s %s", info.PID, resp.Status, bytes.TrimSpace(msg))
	}
	var out Response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return Response{}, fmt.Errorf("read answer of running breachbot: %w", err)
	}
	return out, nil
}

// trustFile refuses an admin file that the running bot of this user did
// not write: the token and the data commands' output go where it points,
// so it must be owned by the same user, readable by that user only (0600,
// as Serve writes it), not a symbolic link, and point at a loopback
// address.
func trustFile(path string, info Info) error {
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
