package dashboard

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// BenchmarkAPI asks the API what the page asks when it opens, as the city leader, over
// the bundled plan with its demo history from the plan's start (more than three years),
// and reports the latency percentiles of single requests, over all endpoints and for
// each one:
//
//	go test ./dashboard -run '^$' -bench BenchmarkAPI -benchtime 2000x
//
// "cold" reads SQLite for every request (SnapshotTTL < 0); "cached" is serve's default,
// where answers read for one request serve the same question for DefaultSnapshotTTL.
func BenchmarkAPI(b *testing.B) {
	w := newWorldYears(b)
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"cold", -1}, {"cached", 0}} {
		srv := &Server{DB: w.db, Plan: w.plan, Calendar: w.srv.Calendar, Token: testToken, Map: w.srv.Map, Now: w.srv.Now, SnapshotTTL: bc.ttl}
		hs := httptest.NewServer(srv.Handler())
		b.Run(bc.name, func(b *testing.B) { benchAPI(b, w, hs.URL) })
		hs.Close()
	}
}

func benchAPI(b *testing.B, w *world, base string) {
	raw := w.initData("city leader", "zh-CN")
	paths := []string{
		"/app/api/me", "/app/api/rollup", "/app/api/map", "/app/api/cards", "/app/api/path?indicator=above-scale-enterprises",
		"/app/api/tasks", "/app/api/board", "/app/api/missing", "/app/api/rollup?subject=chain:" + myChain,
		"/app/api/rollup?subject=unit:" + myCounty,
	}
	byPath := make([][]time.Duration, len(paths))
	var all []time.Duration
	client := &http.Client{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(paths)
		req, _ := http.NewRequest("GET", base+paths[k], nil)
		req.Header.Set("Authorization", "tma "+raw)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", paths[k], resp.StatusCode)
		}
		byPath[k] = append(byPath[k], d)
		all = append(all, d)
	}
	b.StopTimer()
	b.ReportMetric(percentile(all, 0.50), "p50-ms")
	b.ReportMetric(percentile(all, 0.99), "p99-ms")
	names := []string{"me", "rollup", "map", "cards", "path", "tasks", "board", "missing", "rollup-chain", "rollup-unit"}
	for k, ds := range byPath {
		if len(ds) > 0 {
			b.ReportMetric(percentile(ds, 0.99), "p99-"+names[k]+"-ms")
			b.ReportMetric(percentile(ds, 0.50), "p50-"+names[k]+"-ms")
		}
	}
}

func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return float64(s[i].Microseconds()) / 1000
}

// BenchmarkPageWeight reports what the page weighs on the wire, gzip-compressed: the
// page with its scripts, and the county map it fetches.
//
//	go test ./dashboard -run '^$' -bench BenchmarkPageWeight -benchtime 1x
func BenchmarkPageWeight(b *testing.B) {
	w := newWorld(b)
	gz := func(data []byte) int {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(data)
		zw.Close()
		return buf.Len()
	}
	var page, raw int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		page, raw = 0, 0
		for _, name := range []string{"index.html", "app.css", "app.js", "echarts.min.js"} {
			data, err := fs.ReadFile(static, "static/"+name)
			if err != nil {
				b.Fatal(err)
			}
			page += gz(data)
			raw += len(data)
		}
	}
	b.ReportMetric(float64(page)/1024, "page-gzip-KiB")
	b.ReportMetric(float64(raw)/1024, "page-raw-KiB")
	b.ReportMetric(float64(gz(w.srv.geo))/1024, "map-gzip-KiB")
}
