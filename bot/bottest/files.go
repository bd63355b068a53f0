package bottest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxDownload is the largest file the Bot API lets a bot download with getFile: 20 MB.
const MaxDownload = 20 << 20

// File is a file a user sends to the bot (SendFile).
type File struct {
	Name    string // file_name of a document ("" for a photo)
	MIME    string // mime_type of a document
	Data    []byte // what a download of the file returns
	Caption string
	// Photo sends it as a compressed picture: a message with photo sizes (the largest
	// holds Data) instead of a document.
	Photo bool
	// Size, when not 0, is the file_size declared in the message and by getFile instead
	// of len(Data): a file over MaxDownload without holding 20 MB in a test.
	Size int64
}

type storedFile struct {
	path string
	data []byte
	size int64
}

// SendFile queues a private or group message carrying a document or a photo, as
// Telegram sends it, and returns its update_id. The file can then be fetched with getFile
// and downloaded from /file/bot<token>/<file_path>, as from Telegram; FileID tells its
// file_id.
func (s *Server) SendFile(userID, chatID int64, f File, lang string) int64 {
	return s.queue(func(id int64) any {
		m := s.userMessageLocked(userID, chatID, "", lang) // s.mu is held by queue
		delete(m, "text")
		mid := m["message_id"].(int)
		size := f.Size
		if size == 0 {
			size = int64(len(f.Data))
		}
		fid := FileID(id)
		s.files[fid] = storedFile{path: fmt.Sprintf("documents/file_%d", id), data: f.Data, size: size}
		kind := "document"
		if f.Photo {
			kind = "photo"
			s.files[fid+"s"] = storedFile{path: fmt.Sprintf("photos/thumb_%d.jpg", id), data: []byte("thumb"), size: 5}
			s.files[fid] = storedFile{path: fmt.Sprintf("photos/file_%d.jpg", id), data: f.Data, size: size}
			m["photo"] = []map[string]any{
				{"file_id": fid + "s", "file_unique_id": "us" + strconv.FormatInt(id, 10), "width": 90, "height": 68, "file_size": 5},
				{"file_id": fid, "file_unique_id": "u" + strconv.FormatInt(id, 10), "width": 1280, "height": 960, "file_size": size},
			}
		} else {
			d := map[string]any{"file_id": fid, "file_unique_id": "u" + strconv.FormatInt(id, 10), "file_size": size}
			if f.Name != "" {
				d["file_name"] = f.Name
			}
			if f.MIME != "" {
				d["mime_type"] = f.MIME
			}
			m["document"] = d
		}
		if f.Caption != "" {
			m["caption"] = f.Caption
		}
		s.msgs[chatID][mid].Kind, s.msgs[chatID][mid].Text, s.msgs[chatID][mid].FileName = kind, f.Caption, f.Name
		return map[string]any{"update_id": id, "message": m}
	})
}

// SendDocument queues a document message (see SendFile).
func (s *Server) SendDocument(userID, chatID int64, name, mimeType string, data []byte, caption, lang string) int64 {
	return s.SendFile(userID, chatID, File{Name: name, MIME: mimeType, Data: data, Caption: caption}, lang)
}

// SendPhoto queues a photo message (see SendFile).
func (s *Server) SendPhoto(userID, chatID int64, data []byte, caption, lang string) int64 {
	return s.SendFile(userID, chatID, File{Data: data, Caption: caption, Photo: true}, lang)
}

// FileID is the file_id of the file sent in the update SendFile returned (for a photo,
// its largest size).
func FileID(updateID int64) string { return "file" + strconv.FormatInt(updateID, 10) }

// getFile answers the Bot API's getFile: the file's path to download, or Telegram's
// refusal of a file over 20 MB.
func (s *Server) getFile(c *Call) (any, *apiError) {
	id := c.Params["file_id"]
	s.mu.Lock()
	f, ok := s.files[id]
	s.mu.Unlock()
	switch {
	case !ok:
		return nil, &apiError{status: http.StatusBadRequest, desc: "Bad Request: invalid file_id"}
	case f.size > MaxDownload:
		return nil, &apiError{status: http.StatusBadRequest, desc: "Bad Request: file is too big"}
	}
	c.FileName, c.FileSize = f.path, int(f.size)
	return map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_size": f.size, "file_path": f.path}, nil
}

// serveDownload serves /file/bot<token>/<file_path>, recorded as a call of method
// "downloadFile" (FileName is the path); FailNext("downloadFile", …) fails it.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request, rest string) {
	tok, path, _ := strings.Cut(rest, "/")
	call := Call{Method: "downloadFile", Time: time.Now(), FileName: path}
	s.mu.Lock()
	s.counts[call.Method]++
	var data []byte
	found := false
	for _, f := range s.files {
		if f.path == path {
			data, found = f.data, true
			break
		}
	}
	var ft *fault
	if q := s.faults[call.Method]; len(q) > 0 {
		ft = &q[0]
		s.faults[call.Method] = q[1:]
	}
	s.mu.Unlock()
	switch {
	case tok != "bot"+s.token:
		call.Status = http.StatusUnauthorized
	case ft != nil:
		call.Status, call.Fault = ft.status, strconv.Itoa(ft.status)
	case r.Method != http.MethodGet:
		call.Status = http.StatusMethodNotAllowed
	case !found:
		call.Status = http.StatusNotFound
	default:
		call.Status, call.FileSize = http.StatusOK, len(data)
	}
	s.record(call)
	if call.Status != http.StatusOK {
		http.Error(w, http.StatusText(call.Status), call.Status)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
