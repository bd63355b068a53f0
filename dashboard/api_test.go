package dashboard

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
)

// TestAPI runs the API's tests on one world: they only read it.
func TestAPI(t *testing.T) {
	w := newWorld(t)
	t.Run("authz matrix", func(t *testing.T) { testAuthzMatrix(t, w) })
	t.Run("refused requests", func(t *testing.T) { testRefusedRequests(t, w) })
	t.Run("cards match rollups", func(t *testing.T) { testCardsMatchRollups(t, w) })
	t.Run("map and path", func(t *testing.T) { testMapAndPath(t, w) })
	t.Run("signed link", func(t *testing.T) { testSignedLink(t, w) })
}

// testAuthzMatrix asks every endpoint as every role of the matrix and checks the status
// it answers, and, for every answer given, that nothing in it lies outside what that
// person may see: every unit, item and subject it names passes Roller.Select for the
// person's scope.
func testAuthzMatrix(t *testing.T, w *world) {
	const (
		ok   = http.StatusOK
		no   = http.StatusForbidden
		none = http.StatusNotFound
	)
	// An indicator of the chain (city level), one outside it, a county indicator; the
	// chain's first task and a task of no chain.
	var chainInd, otherInd, countyInd string
	for _, in := range w.plan.Indicators {
		switch {
		case countyInd == "" && in.Scope == progressbot.ScopeCounty:
			countyInd = in.ID
		case chainInd == "" && in.Scope == progressbot.ScopeCity && slices.Contains(in.Chains, myChain):
			chainInd = in.ID
		case otherInd == "" && in.Scope == progressbot.ScopeCity && len(in.Chains) == 0:
			otherInd = in.ID
		}
	}
	// A task of no chain that the county does not owe.
	otherTask := ""
	for _, tk := range w.plan.Tasks {
		ref := progressbot.ItemRef{Kind: progressbot.ItemTask, Key: strconv.Itoa(tk.No)}
		if otherTask == "" && len(tk.Chains) == 0 && !slices.Contains(w.plan.Owes(myCounty), ref) {
			otherTask = ref.Key
		}
	}
	otherChain := w.plan.Chains[1].ID
	otherCounty := "pengze"
	// Columns: city leader, chain leader, county leader, admin, liaison, unbound.
	tests := []struct {
		path string
		want [6]int
	}{
		{"/app/api/me", [6]int{ok, ok, ok, ok, ok, no}},
		{"/app/api/rollup", [6]int{ok, ok, ok, ok, ok, no}},
		{"/app/api/rollup?subject=plan", [6]int{ok, no, no, ok, no, no}},
		{"/app/api/rollup?subject=chain:" + myChain, [6]int{ok, ok, no, ok, no, no}},
		{"/app/api/rollup?subject=chain:" + otherChain, [6]int{ok, no, no, ok, no, no}},
		{"/app/api/rollup?subject=unit:" + myCounty, [6]int{ok, ok, ok, ok, ok, no}},
		{"/app/api/rollup?subject=unit:" + otherCounty, [6]int{ok, ok, no, ok, no, no}},
		{"/app/api/rollup?subject=unit:" + otherCounty + "&within=chain:" + otherChain, [6]int{ok, no, no, ok, no, no}},
		{"/app/api/rollup?subject=indicator:" + countyInd, [6]int{ok, no, ok, ok, ok, no}},
		{"/app/api/rollup?subject=task:" + otherTask, [6]int{ok, no, no, ok, no, no}},
		{"/app/api/rollup?subject=chain:nosuch", [6]int{none, none, none, none, none, no}},
		{"/app/api/map", [6]int{ok, none, ok, ok, ok, no}},
		{"/app/api/map?indicator=" + countyInd, [6]int{ok, none, ok, ok, ok, no}},
		{"/app/api/geo", [6]int{ok, ok, ok, ok, ok, no}},
		{"/app/api/cards", [6]int{ok, ok, ok, ok, ok, no}},
		{"/app/api/path?indicator=" + chainInd, [6]int{ok, ok, no, ok, no, no}},
		{"/app/api/path?indicator=" + otherInd, [6]int{ok, no, no, ok, no, no}},
		{"/app/api/path?indicator=" + countyInd, [6]int{ok, no, ok, ok, ok, no}},
		{"/app/api/path?indicator=" + countyInd + "&unit=" + myCounty, [6]int{ok, no, ok, ok, ok, no}},
		{"/app/api/path?indicator=" + countyInd + "&unit=" + otherCounty, [6]int{ok, no, no, ok, no, no}},
		{"/app/api/tasks", [6]int{ok, ok, ok, ok, ok, no}},
		{"/app/api/tasks?subject=chain:" + otherChain, [6]int{ok, no, no, ok, no, no}},
		{"/app/api/tasks?subject=unit:" + otherCounty, [6]int{ok, ok, no, ok, no, no}},
		{"/app/api/board", [6]int{ok, ok, ok, ok, ok, no}},
		{"/app/api/missing", [6]int{ok, ok, ok, ok, ok, no}},
		{"/app/api/missing?period=2026-10", [6]int{ok, ok, ok, ok, ok, no}},
	}
	r := progressbot.NewRoller(w.plan)
	scopes := map[string]progressbot.Subject{
		"city leader": progressbot.PlanSubject, "admin": progressbot.PlanSubject,
		"chain leader":  {Kind: progressbot.SubjectChain, Key: myChain},
		"county leader": {Kind: progressbot.SubjectUnit, Key: myCounty},
		"liaison":       {Kind: progressbot.SubjectUnit, Key: myCounty},
	}
	for _, tt := range tests {
		for i, role := range matrixRoles {
			t.Run(role+" "+tt.path, func(t *testing.T) {
				resp := w.get(t, tt.path, w.initData(role, "zh-CN"))
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want[i] {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want[i], body)
				}
				var v any
				if err := json.Unmarshal(body, &v); err != nil {
					t.Fatalf("not JSON: %v", err)
				}
				if resp.StatusCode != ok {
					if m, _ := v.(map[string]any); m == nil || m["error"] == "" || strings.HasPrefix(m["error"].(string), "dashboard.") {
						t.Errorf("refusal without a message: %s", body)
					}
					return
				}
				for _, leak := range outside(r, scopes[role], v) {
					t.Errorf("answer names %s, outside scope %s", leak, scopes[role])
				}
			})
		}
	}
}

// outside lists what a JSON answer names ("unit", "item", "subject" fields) that the
// scope may not see.
func outside(r *progressbot.Roller, scope progressbot.Subject, v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				if k == "texts" {
					continue // the page's words
				}
				s, isStr := e.(string)
				switch {
				case isStr && k == "unit" && s != "":
					if _, err := r.Select(progressbot.Subject{Kind: progressbot.SubjectUnit, Key: s}, scope); err != nil {
						out = append(out, "unit:"+s)
					}
				case isStr && (k == "item" || k == "subject") && s != "plan":
					kind, key, _ := strings.Cut(s, ":")
					if _, err := r.Select(progressbot.Subject{Kind: progressbot.SubjectKind(kind), Key: key}, scope); err != nil {
						out = append(out, s)
					}
				default:
					walk(e)
				}
			}
		}
	}
	walk(v)
	return out
}

// testRefusedRequests: no signature, a tampered or stale initData, a forged cookie and
// a bad period are refused with a message in the person's language, and no data.
func testRefusedRequests(t *testing.T, w *world) {
	good := w.initData("city leader", "en")
	v, _ := url.ParseQuery(good)
	v.Set("user", strings.Replace(v.Get("user"), `"id":1000`, `"id":1003`, 1))
	tampered := v.Encode()
	stale := SignInitData(WebAppUser{ID: w.people["city leader"]}, w.now.Add(-25*time.Hour), testToken)
	otherBot := SignInitData(WebAppUser{ID: w.people["city leader"]}, w.now, "999:other-bot")
	tests := []struct {
		name   string
		auth   string
		cookie string
		path   string
		want   int
		msg    string
	}{
		{"no signature", "", "", "/app/api/rollup", 401, "无法确认您的身份"},
		{"not tma", "Bearer x", "", "/app/api/rollup", 401, "无法确认您的身份"},
		{"tampered user", "tma " + tampered, "", "/app/api/rollup", 401, "无法确认您的身份"},
		{"another bot's initData", "tma " + otherBot, "", "/app/api/rollup", 401, "无法确认您的身份"},
		{"stale", "tma " + stale, "", "/app/api/rollup", 401, "已过期"},
		{"forged cookie", "", signPass(Pass{Kind: "session", Expires: w.now.Add(time.Hour).Unix()}, "999:other-bot"), "/app/api/rollup", 401, "链接已失效"},
		{"link used as a cookie", "", signPass(Pass{Kind: "link", Expires: w.now.Add(time.Hour).Unix()}, testToken), "/app/api/rollup", 401, "链接已失效"},
		{"bad period", "tma " + good, "", "/app/api/rollup?period=2019-01", 400, "month is outside"},
		{"future period", "tma " + good, "", "/app/api/rollup?period=2027-06", 400, "month is outside"},
		{"bad subject", "tma " + good, "", "/app/api/rollup?subject=chain", 400, "parameters are wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", w.http.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: CookieName, Value: tt.cookie})
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.msg) {
				t.Fatalf("got %d %s, want %d with %q", resp.StatusCode, body, tt.want, tt.msg)
			}
			if strings.Contains(string(body), "attention") || strings.Contains(string(body), "head") {
				t.Errorf("refusal carries data: %s", body)
			}
		})
	}
}

func getJSON(t *testing.T, w *world, path, raw string, v any) {
	t.Helper()
	resp := w.get(t, path, raw)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// testCardsMatchRollups: the cards, rolled from one snapshot of the scope, count what
// each chain's or cluster's own rollup counts; a chain leader gets their chain's card.
func testCardsMatchRollups(t *testing.T, w *world) {
	type head struct {
		Total, Ahead, OnTrack, Lagging, Serious int
	}
	type cards struct {
		Cards []struct {
			Subject string
			Head    countsJSON
		}
	}
	for _, role := range []string{"city leader", "chain leader"} {
		raw := w.initData(role, "zh-CN")
		var cs cards
		getJSON(t, w, "/app/api/cards?period=2026-09", raw, &cs)
		if len(cs.Cards) == 0 {
			t.Fatalf("%s: no cards", role)
		}
		if role == "chain leader" && (len(cs.Cards) != 1 || cs.Cards[0].Subject != "chain:"+myChain) {
			t.Errorf("chain leader's cards: %+v, want only chain:%s", cs.Cards, myChain)
		}
		for _, c := range cs.Cards {
			var ru struct{ Head countsJSON }
			getJSON(t, w, "/app/api/rollup?period=2026-09&subject="+url.QueryEscape(c.Subject), raw, &ru)
			if ru.Head != c.Head || c.Head.Total == 0 {
				t.Errorf("%s %s: card %+v, rollup %+v", role, c.Subject, c.Head, ru.Head)
			}
		}
	}
}

// testMapAndPath: the map colours every county on it with a level, names them in the
// person's language, and lists the county without an outline; an indicator's path has a
// point per month with the target where the plan sets one.
func testMapAndPath(t *testing.T, w *world) {
	for _, lang := range []string{"zh-CN", "en"} {
		raw := w.initData("city leader", lang)
		var m struct {
			Indicator string
			Counties  []entryJSON
			Unmapped  []string
		}
		getJSON(t, w, "/app/api/map", raw, &m)
		if len(m.Counties) == 0 {
			t.Errorf("%s: no county on the map", lang)
		}
		for _, c := range m.Counties {
			u := w.plan.Unit(c.Unit)
			if u.Kind != progressbot.UnitCounty {
				t.Errorf("%s: %s on the county map", lang, u.ID)
			}
			want := u.Name
			if lang == "en" {
				want = u.En
			}
			if c.UnitName != want || c.Level == "" {
				t.Errorf("%s: county %+v, want name %q and a level", lang, c, want)
			}
		}
		if len(m.Unmapped) != 1 {
			t.Errorf("%s: unmapped %v, want the one county the map has no outline for", lang, m.Unmapped)
		}
		var p struct {
			Points []struct {
				Period          string
				Value, Expected *float64
			}
		}
		getJSON(t, w, "/app/api/path?indicator="+m.Indicator, raw, &p)
		if len(p.Points) != pathMonths {
			t.Fatalf("%d points, want %d", len(p.Points), pathMonths)
		}
		withTarget := 0
		for _, pt := range p.Points {
			if pt.Expected != nil {
				withTarget++
			}
		}
		if withTarget == 0 {
			t.Errorf("no month of the path has a target: %+v", p.Points)
		}
	}
}
