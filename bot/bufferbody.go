package bot

import (
	"bytes"
	"io"
	"net/http"
)

// bufferBodies is an http.RoundTripper that reads a request body of unknown length into
// memory before sending it. go-telegram/bot streams every request's multipart form through
// an io.Pipe, so without this the transport sends it chunked, one chunk — and one write
// system call — per small piece of the form (a dozen or more for a message with a
// keyboard); buffered, it goes out with a Content-Length in one or two writes. Under load
// those writes were a fifth of the bot's CPU. Uploads (a workbook, a chart) are a few
// megabytes at most, so holding one in memory is fine.
type bufferBodies struct{ next http.RoundTripper }

func (t bufferBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return t.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	r := *req // a RoundTripper must not change the request it is given
	r.ContentLength = int64(len(body))
	r.Body, r.GetBody = http.NoBody, nil
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return t.next.RoundTrip(&r)
}
