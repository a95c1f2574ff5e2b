package workspacetest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

func (w *Workspace) uploadURL(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	w.mu.Lock()
	id := w.nextLocked("F")
	w.files = append(w.files, File{ID: id, Name: f.Get("filename")})
	w.mu.Unlock()
	reply(rw, map[string]any{"ok": true, "upload_url": w.APIURL() + "upload/" + id, "file_id": id})
}

func (w *Workspace) upload(rw http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(rw, "no file", http.StatusBadRequest)
		return
	}
	data, _ := io.ReadAll(file)
	w.mu.Lock()
	w.uploads[id] = data
	w.mu.Unlock()
	rw.Write([]byte("OK"))
}

func (w *Workspace) completeUpload(rw http.ResponseWriter, r *http.Request) {
	f := form(r)
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	_ = json.Unmarshal([]byte(f.Get("files")), &files)
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, fl := range files {
		for i := range w.files {
			if w.files[i].ID == fl.ID {
				w.files[i].Title, w.files[i].Channel, w.files[i].Content = fl.Title, f.Get("channel_id"), w.uploads[fl.ID]
			}
		}
		out = append(out, map[string]any{"id": fl.ID, "title": fl.Title})
	}
	w.signalLocked()
	reply(rw, map[string]any{"ok": true, "files": out})
}

// fileInfo answers files.info with the file's name, size and a private
// download URL on this server (slack-go sends the bot token only there).
func (w *Workspace) fileInfo(rw http.ResponseWriter, r *http.Request) {
	id := form(r).Get("file")
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range w.files {
		if f.ID == id {
			download := w.APIURL() + "download/" + f.ID
			if f.DownloadURL != "" {
				download = f.DownloadURL
			}
			reply(rw, map[string]any{"ok": true, "file": map[string]any{"id": f.ID, "name": f.Name, "title": f.Title,
				"size": len(f.Content), "filetype": "csv", "user": f.User, "url_private_download": download}})
			return
		}
	}
	fail(rw, "file_not_found")
}

// download serves a file's content to the bot token only.
func (w *Workspace) download(rw http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer xoxb-test" {
		http.Error(rw, "sign in", http.StatusForbidden)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/download/")
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.files {
		if w.files[i].ID == id {
			w.files[i].Downloads++
			w.signalLocked()
			rw.Write(w.files[i].Content)
			return
		}
	}
	http.NotFound(rw, r)
}

// UserUpload stores a file as a person's upload through a modal's file
// input would, and returns its id (what the view submission carries).
func (w *Workspace) UserUpload(user, name string, content []byte) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := w.nextLocked("F")
	w.files = append(w.files, File{ID: id, Name: name, Title: name, Content: content, User: user})
	return id
}

// SetDownloadURL makes files.info give url as a file's url_private_download
// (e.g. a host that is not Slack's).
func (w *Workspace) SetDownloadURL(id, url string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.files {
		if w.files[i].ID == id {
			w.files[i].DownloadURL = url
			return
		}
	}
	w.t.Fatalf("workspace: no file %s", id)
}

// Downloads returns how many times a file's content was downloaded.
func (w *Workspace) Downloads(id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range w.files {
		if f.ID == id {
			return f.Downloads
		}
	}
	return 0
}
