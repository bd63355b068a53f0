package bot

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// resultUnusedKey marks the context of a Bot API request whose result the bot throws
// away (the Message that sendMessage and editMessageText return).
type resultUnusedKey struct{}

// resultUnused marks ctx: the request made with it has its successful result replaced by
// an empty object before go-telegram/bot reads it. The library decodes every response
// twice — into a map of raw fields, then the result into a models.Message with its
// keyboard, entities and chat — and that decoding was a fifth of the allocations per
// button press under load, for a value nobody looks at. Only for methods whose result is
// an object: an empty object decodes into any struct.
func resultUnused(ctx context.Context) context.Context {
	return context.WithValue(ctx, resultUnusedKey{}, true)
}

// okEmpty is a successful Bot API response with an empty result.
var okEmpty = []byte(`{"ok":true,"result":{}}`)

// okPrefix is how the Bot API starts a successful response; anything else (an error, a
// proxy's page, another spelling of JSON) is passed on untouched for the library to judge.
var okPrefix = []byte(`{"ok":true,`)

// dropResult reads a 200 response to a request marked resultUnused and, when it is the
// Bot API's success, hands the library okEmpty instead of the body. The body is always
// read to its end, so the connection is reused.
func dropResult(resp *http.Response) (*http.Response, error) {
	buf := formBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			formBuffers.Put(buf)
		}
	}()
	_, err := buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body := okEmpty
	if !bytes.HasPrefix(buf.Bytes(), okPrefix) {
		body = bytes.Clone(buf.Bytes())
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}
