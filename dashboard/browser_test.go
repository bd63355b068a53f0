package dashboard

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The browser test drives Debian's chromium headless through the page as Telegram opens
// it: initData in the URL hash. Set DASHBOARD_SCREENSHOTS to a folder (the README's come
// from DASHBOARD_SCREENSHOTS=../docs) to keep the screenshots.

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium found: install Debian's chromium (apt-get install -y chromium) to run the dashboard's browser test")
	return ""
}

// browser starts a fresh headless chromium and records every URL the page asks for.
func browser(t *testing.T) (context.Context, *[]string) {
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	var mu sync.Mutex
	urls := &[]string{}
	ctx, cancel2 := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			*urls = append(*urls, e.Request.URL)
			mu.Unlock()
		}
	}))
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, urls
}

func shotDir(t *testing.T) string {
	if d := os.Getenv("DASHBOARD_SCREENSHOTS"); d != "" {
		return d
	}
	return t.TempDir()
}

// open loads the page as Telegram would open it for initData and waits until every
// section has drawn (the page marks body[data-ready]); it returns the page's own
// measure of its first complete render.
func open(t *testing.T, ctx context.Context, base, initData string, w, h int64) float64 {
	t.Helper()
	u := base + "/app/#tgWebAppData=" + url.QueryEscape(initData) + "&tgWebAppVersion=8.0&tgWebAppPlatform=web"
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(tctx,
		chromedp.EmulateViewport(w, h),
		// A new page each time, as Telegram opens a Mini App: a change of the hash alone
		// would not reload it.
		chromedp.Navigate("about:blank"),
		chromedp.Navigate(u),
		chromedp.WaitVisible(`body[data-ready="1"]`),
	)
	if err != nil {
		t.Fatalf("load the page: %v", err)
	}
	return eval[float64](t, ctx, `window.pbRenderMs || 0`)
}

// eval runs an expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	w := newWorld(t)
	ctx, urls := browser(t)
	dir := shotDir(t)

	t.Run("city leader", func(t *testing.T) {
		ms := open(t, ctx, w.http.URL, w.initData("city leader", "zh-CN"), 360, 740)
		t.Logf("first complete render (city leader, phone): %.0f ms", ms)
		mapText := eval[string](t, ctx, `document.querySelector('#map-chart').textContent`)
		cards := eval[string](t, ctx, `document.querySelector('#cards').textContent`)
		charts := eval[int](t, ctx, `document.querySelectorAll('#levels-chart svg, #map-chart svg, #path-chart svg').length`)
		if picked := eval[string](t, ctx, `document.querySelector('#map-indicator').selectedOptions[0]?.textContent || ""`); picked == "" {
			t.Errorf("the map's indicator picker shows nothing")
		}
		if charts != 3 {
			t.Errorf("%d of the 3 charts drawn", charts)
		}
		for name := range w.srv.Map.Units {
			u := w.plan.Unit(w.srv.Map.Units[name])
			if !strings.Contains(mapText, u.Name) {
				t.Errorf("the map does not show %s in Chinese; it shows %q", u.Name, mapText)
			}
		}
		for _, c := range w.plan.Chains {
			if !strings.Contains(cards, c.Name) {
				t.Errorf("the city leader's cards lack the chain %s", c.Name)
			}
		}
		screenshot(t, ctx, filepath.Join(dir, "dashboard-phone.png"), false)
		open(t, ctx, w.http.URL, w.initData("city leader", "zh-CN"), 1280, 900)
		screenshot(t, ctx, filepath.Join(dir, "dashboard-desktop.png"), true)
	})

	t.Run("chain leader", func(t *testing.T) {
		ms := open(t, ctx, w.http.URL, w.initData("chain leader", "zh-CN"), 360, 740)
		t.Logf("first complete render (chain leader, phone): %.0f ms", ms)
		subjects := eval[[]string](t, ctx, `[...document.querySelectorAll('#cards .card')].map(c => c.dataset.subject)`)
		maps := eval[int](t, ctx, `document.querySelectorAll('#map-chart').length`)
		scope := eval[string](t, ctx, `document.querySelector('#scope').textContent`)
		if len(subjects) != 1 || subjects[0] != "chain:"+myChain {
			t.Errorf("the chain leader's cards: %v, want only chain:%s", subjects, myChain)
		}
		if want := w.plan.Chain(myChain).Name; !strings.Contains(scope, want) {
			t.Errorf("scope line %q does not name %s", scope, want)
		}
		if maps != 0 {
			t.Errorf("the chain leader sees the county map, which has no indicator of the chain")
		}
		screenshot(t, ctx, filepath.Join(dir, "dashboard-chain-phone.png"), false)
	})

	t.Run("tampered initData", func(t *testing.T) {
		v, _ := url.ParseQuery(w.initData("chain leader", "zh-CN"))
		v.Set("user", strings.Replace(v.Get("user"), `"id":1001`, `"id":1000`, 1)) // claim to be the city leader
		open(t, ctx, w.http.URL, v.Encode(), 360, 740)
		refused := eval[string](t, ctx, `document.body.dataset.refused || ""`)
		text := eval[string](t, ctx, `document.querySelector('#refusal-text').textContent`)
		if refused != "1" || !strings.Contains(text, "无法确认您的身份") {
			t.Errorf("tampered initData: refused %q, text %q", refused, text)
		}
	})

	for _, u := range *urls {
		if !strings.HasPrefix(u, w.http.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page asked for %s, outside this server", u)
		}
	}
}

func screenshot(t *testing.T, ctx context.Context, path string, full bool) {
	t.Helper()
	action := chromedp.CaptureScreenshot()
	if full {
		action = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
