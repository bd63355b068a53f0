package dashboard

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot/store"
)

// testSignedLink: a signed link opens a session cookie for the day, for the person's
// rights as they stand at each request; an expired or forged link opens nothing.
func testSignedLink(t *testing.T, w *world) {
	ctx := context.Background()
	// A leader of their own, so that revoking them leaves the other tests' people alone.
	code, err := w.db.CreateInvite(ctx, store.InviteSpec{PlanID: w.plan.ID, Role: store.RoleLeader, Scope: "chain:" + myChain})
	if err != nil {
		t.Fatal(err)
	}
	const id = 7777
	if _, err := w.db.Redeem(ctx, code, id, id, "revocable"); err != nil {
		t.Fatal(err)
	}
	now := w.now
	at := func(d time.Duration) func() time.Time { return func() time.Time { return now.Add(d) } }
	links := Links{PublicURL: w.http.URL, Token: testToken, Now: at(0)}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// open follows a link and returns the session cookie it set, if any.
	open := func(t *testing.T, link string) (*http.Cookie, int, string) {
		resp, err := client.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == CookieName {
				return c, resp.StatusCode, string(body)
			}
		}
		return nil, resp.StatusCode, string(body)
	}
	me := func(t *testing.T, c *http.Cookie) (int, string) {
		req, _ := http.NewRequest("GET", w.http.URL+"/app/api/me", nil)
		req.AddCookie(c)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}

	t.Run("a person's link", func(t *testing.T) {
		c, code, _ := open(t, links.Link(Pass{ID: id, Lang: "zh-CN"}, nil))
		if code != http.StatusSeeOther || c == nil {
			t.Fatalf("link: %d, cookie %v", code, c)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/app/" {
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path /app/", c)
		}
		if code, body := me(t, c); code != http.StatusOK || !strings.Contains(body, `"scope":"chain:`+myChain+`"`) {
			t.Fatalf("me with the session: %d %s", code, body)
		}
		// The session lasts the day, not past midnight.
		w.now = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 1, 0, now.Location())
		code2, body := me(t, c)
		w.now = now
		if code2 != http.StatusUnauthorized || !strings.Contains(body, "看板链接已失效") {
			t.Errorf("session after midnight: %d %s", code2, body)
		}
		// Revoked: the session opens nothing more.
		if err := w.db.SetActive(ctx, id, false); err != nil {
			t.Fatal(err)
		}
		defer w.db.SetActive(ctx, id, true)
		if code, _ := me(t, c); code != http.StatusForbidden {
			t.Errorf("session of a revoked leader: %d, want 403", code)
		}
	})

	t.Run("a link made on the server", func(t *testing.T) {
		c, _, _ := open(t, links.Link(Pass{Role: store.RoleLeader, Scope: "unit:" + myCounty, Lang: "en"}, nil))
		if c == nil {
			t.Fatal("no session")
		}
		if code, body := me(t, c); code != http.StatusOK || !strings.Contains(body, `"scope":"unit:`+myCounty+`"`) || !strings.Contains(body, `"lang":"en"`) {
			t.Errorf("me: %d %s", code, body)
		}
	})

	t.Run("expired and forged links", func(t *testing.T) {
		old := Links{PublicURL: w.http.URL, Token: testToken, Now: at(-LinkTTL - time.Second)}
		forged := Links{PublicURL: w.http.URL, Token: "999:another-bot", Now: at(0)}
		unbound := links.Link(Pass{ID: 424242}, nil)
		for name, link := range map[string]string{
			"expired": old.Link(Pass{ID: id}, nil), "forged": forged.Link(Pass{ID: id}, nil), "unbound": unbound,
			"tampered": strings.Replace(links.Link(Pass{ID: id}, nil), "t=", "t=x", 1),
		} {
			c, code, body := open(t, link)
			if c != nil || code != http.StatusForbidden || !strings.Contains(body, "/dashboard") {
				t.Errorf("%s link: %d, cookie %v, %q", name, code, c, body)
			}
		}
	})
}
