package bottest

import (
	"io"
	"net/http"
	"testing"
)

// TestGetFileAndDownload: a file a user sent is described by getFile and served at its
// path with the token; a wrong token, an unknown path or file id, and a file over 20 MB
// are refused as Telegram refuses them.
func TestGetFileAndDownload(t *testing.T) {
	s := New(t)
	id := s.SendDocument(5, 5, "a.pdf", "application/pdf", []byte("%PDF-1.7"), "", "zh")
	big := s.SendFile(5, 5, File{Name: "big.zip", Data: []byte("PK"), Size: MaxDownload + 1}, "zh")
	status, m := post(t, s, "getFile", "application/x-www-form-urlencoded", "file_id="+FileID(id))
	res, _ := m["result"].(map[string]any)
	path, _ := res["file_path"].(string)
	if status != 200 || path == "" || res["file_size"] != float64(8) {
		t.Fatalf("getFile: %d %v", status, m)
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tt := range []struct {
		url    string
		status int
		body   string
	}{
		{s.URL() + "/file/bot" + s.Token() + "/" + path, 200, "%PDF-1.7"},
		{s.URL() + "/file/bot" + s.Token() + "x/" + path, 401, ""},
		{s.URL() + "/file/bot" + s.Token() + "/documents/none", 404, ""},
	} {
		if status, body := get(tt.url); status != tt.status || tt.body != "" && body != tt.body {
			t.Errorf("GET %s: %d %q", tt.url, status, body)
		}
	}
	for file, want := range map[string]string{"nope": "Bad Request: invalid file_id", FileID(big): "Bad Request: file is too big"} {
		if status, m := post(t, s, "getFile", "application/x-www-form-urlencoded", "file_id="+file); status != 400 || m["description"] != want {
			t.Errorf("getFile %s: %d %v", file, status, m)
		}
	}
	if n := len(s.CallsOf("downloadFile")); n != 3 {
		t.Errorf("%d downloads recorded", n)
	}
}
