package workspacetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

func (w *Workspace) connectionsOpen(rw http.ResponseWriter, r *http.Request) {
	reply(rw, map[string]any{"ok": true, "url": strings.Replace(w.APIURL(), "http://", "ws://", 1) + "ws"})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// ws is the Socket Mode endpoint: it says hello, sends queued envelopes and
// records acknowledgements.
func (w *Workspace) ws(rw http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(rw, r, nil)
	if err != nil {
		return
	}
	w.mu.Lock()
	w.sockets++
	w.socket = conn
	w.signalLocked()
	w.mu.Unlock()
	var writeMu sync.Mutex
	write := func(data []byte) error {
		writeMu.Lock()
		defer writeMu.Unlock()
		return conn.WriteMessage(websocket.TextMessage, data)
	}
	if err := write([]byte(`{"type":"hello","num_connections":1,"connection_info":{"app_id":"A0BREACH"}}`)); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ack struct {
				EnvelopeID string          `json:"envelope_id"`
				Payload    json.RawMessage `json:"payload"`
			}
			if json.Unmarshal(data, &ack) == nil && ack.EnvelopeID != "" {
				w.mu.Lock()
				if ack.Payload == nil {
					ack.Payload = json.RawMessage("null")
				}
				w.acks[ack.EnvelopeID] = ack.Payload
				w.ackTotal++
				w.signalLocked()
				w.mu.Unlock()
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		case env := <-w.envelopes:
			if err := write(env); err != nil {
				w.envelopes <- env // deliver on the next connection
				return
			}
		}
	}
}

// Sockets returns how many Socket Mode connections were made.
func (w *Workspace) Sockets() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sockets
}

// DropSocket cuts the current Socket Mode connection without a close frame,
// as a network failure would.
func (w *Workspace) DropSocket() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.socket != nil {
		w.socket.UnderlyingConn().Close()
	}
}

// SendEnvelope queues a Socket Mode request ("slash_commands",
// "interactive") for the connected app and returns its envelope id.
func (w *Workspace) SendEnvelope(typ string, payload any, retryAttempt int, envelopeID string) string {
	w.mu.Lock()
	if envelopeID == "" {
		envelopeID = w.nextLocked("env-")
	}
	w.mu.Unlock()
	data, err := json.Marshal(map[string]any{"envelope_id": envelopeID, "type": typ, "payload": payload,
		"accepts_response_payload": true, "retry_attempt": retryAttempt, "retry_reason": ""})
	if err != nil {
		w.t.Fatal(err)
	}
	w.envelopes <- data
	return envelopeID
}

// Ack returns the acknowledgement of an envelope (its payload, "null" for
// none), once it arrived.
func (w *Workspace) Ack(envelopeID string) (json.RawMessage, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a, ok := w.acks[envelopeID]
	return a, ok
}

// AckCount returns how many acknowledgements arrived (redeliveries of an
// envelope count again).
func (w *Workspace) AckCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ackTotal
}
