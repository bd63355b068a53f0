package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestDropResult: only a successful answer to a request marked resultUnused loses its
// result; errors and unmarked requests reach the library as the server sent them.
func TestDropResult(t *testing.T) {
	const msg = `{"ok":true,"result":{"message_id":7,"chat":{"id":1,"type":"private"},"date":1,"text":"hi"}}`
	tests := []struct {
		name   string
		status int
		body   string
		marked bool
		want   string
	}{
		{"marked success", 200, msg, true, `{"ok":true,"result":{}}`},
		{"unmarked success", 200, msg, false, msg},
		{"marked refusal", 400, `{"ok":false,"error_code":400,"description":"Bad Request: message is not modified"}`, true,
			`{"ok":false,"error_code":400,"description":"Bad Request: message is not modified"}`},
		{"marked 200 that is not the Bot API's success", 200, `<html>proxy</html>`, true, `<html>proxy</html>`},
		{"marked success spelled otherwise", 200, `{ "ok": true, "result": {"message_id": 7}}`, true, `{ "ok": true, "result": {"message_id": 7}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			ctx := context.Background()
			if tc.marked {
				ctx = resultUnused(ctx)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := doer{srv.Client()}.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("body %s, want %s", got, tc.want)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}
