package bot

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// bufferBodies is an http.RoundTripper that reads a request body of unknown length into
// memory before sending it. go-telegram/bot streams every request's multipart form through
// an io.Pipe, so without this the transport sends it chunked, one chunk — and one write
// system call — per small piece of the form (a dozen or more for a message with a
// keyboard); buffered, it goes out with a Content-Length in one or two writes. Under load
// those writes were a fifth of the bot's CPU. Uploads (a workbook, a chart) are a few
// megabytes at most, so holding one in memory is fine.
type bufferBodies struct{ next http.RoundTripper }

// formBuffers spare reading a form the growing copies of io.ReadAll; a form with a
// keyboard is a few kilobytes.
var formBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 8<<10)) }}

func (t bufferBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return t.next.RoundTrip(req)
	}
	buf := formBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(req.Body)
	req.Body.Close()
	body := bytes.Clone(buf.Bytes()) // one allocation of the right size
	if buf.Cap() <= 64<<10 {
		formBuffers.Put(buf)
	}
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
