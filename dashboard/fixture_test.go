package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/demo"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/storetest"
)

const testToken = "123456:dashboard-test-token"

// world is the bundled plan with its demo history to a fixed day, a dashboard server
// and the people of the authorization matrix.
type world struct {
	db     *store.DB
	plan   *progressbot.Plan
	srv    *Server
	http   *httptest.Server
	now    time.Time
	people map[string]int64 // role name → Telegram id
}

// Roles of the matrix, each bound by a real invite (except the unbound person).
var matrixRoles = []string{"city leader", "chain leader", "county leader", "admin", "liaison", "unbound"}

// The chain the chain leader leads and the county the county leader and the liaison
// belong to: the bundled plan's first chain and a county of it.
const (
	myChain  = "petrochem"
	myCounty = "hukou"
)

// newWorld fills the demo history of the 15 months to the world's day, enough for every
// view (an indicator's path shows 12); newWorldYears fills it from the plan's start.
func newWorld(tb testing.TB) *world {
	tb.Helper()
	return newWorldFrom(tb, progressbot.Period{Year: 2025, Month: time.September})
}

func newWorldYears(tb testing.TB) *world {
	tb.Helper()
	return newWorldFrom(tb, progressbot.Period{})
}

func newWorldFrom(tb testing.TB, from progressbot.Period) *world {
	tb.Helper()
	ctx := context.Background()
	db, p := storetest.PlanDB(tb)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	cal := progressbot.DefaultCalendar(sh)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, sh)
	if _, err := demo.Fill(ctx, db, p, demo.Options{Seed: 1, From: from, Now: now, Calendar: cal}); err != nil {
		tb.Fatal(err)
	}
	m, err := seeds.LoadMap(seeds.Bundled(), seeds.DefaultPlan, p)
	if err != nil {
		tb.Fatal(err)
	}
	w := &world{db: db, plan: p, now: now, people: map[string]int64{}}
	w.srv = &Server{DB: db, Plan: p, Calendar: cal, Token: testToken, Map: m, Now: func() time.Time { return w.now }}
	specs := map[string]store.InviteSpec{
		"city leader":   {Role: store.RoleLeader},
		"chain leader":  {Role: store.RoleLeader, Scope: "chain:" + myChain},
		"county leader": {Role: store.RoleLeader, Scope: "unit:" + myCounty},
		"admin":         {Role: store.RoleAdmin},
		"liaison":       {Role: store.RoleLiaison, Unit: myCounty},
	}
	for i, role := range matrixRoles {
		id := int64(1000 + i)
		w.people[role] = id
		spec, ok := specs[role]
		if !ok {
			continue
		}
		spec.PlanID = p.ID
		code, err := db.CreateInvite(ctx, spec)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := db.Redeem(ctx, code, id, id, role); err != nil {
			tb.Fatal(err)
		}
	}
	w.publishBoard(tb, progressbot.Period{Year: 2026, Month: time.November})
	w.http = httptest.NewServer(w.srv.Handler())
	tb.Cleanup(w.http.Close)
	return w
}

// initData is a freshly signed initData for a person of the matrix.
func (w *world) initData(role, lang string) string {
	return SignInitData(WebAppUser{ID: w.people[role], FirstName: role, LanguageCode: lang}, w.now.Add(-time.Minute), testToken)
}

// get asks the API as a person (initData in the Authorization header; none when raw is
// empty).
func (w *world) get(tb testing.TB, path, raw string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest("GET", w.http.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if raw != "" {
		req.Header.Set("Authorization", "tma "+raw)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	return resp
}

// publishBoard drafts a period's 红黄榜 from its rollup, as an admin would, and
// publishes it.
func (w *world) publishBoard(tb testing.TB, per progressbot.Period) {
	tb.Helper()
	ctx := context.Background()
	r := progressbot.NewRoller(w.plan)
	sel, err := r.Select(progressbot.PlanSubject, progressbot.PlanSubject)
	if err != nil {
		tb.Fatal(err)
	}
	snap, err := w.db.Snapshot(ctx, w.plan.ID, r.Query(sel, per, false))
	if err != nil {
		tb.Fatal(err)
	}
	ru := r.Roll(sel, per, snap, w.srv.Calendar, w.now)
	who := store.Who{UserID: w.people["admin"], ChatID: w.people["admin"]}
	if _, err := w.db.DraftBoard(ctx, w.plan.ID, per, r.Board(ru, progressbot.DefaultBoardRules)); err != nil {
		tb.Fatal(err)
	}
	if _, err := w.db.ApproveBoard(ctx, w.plan.ID, per, who); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := w.db.PublishBoard(ctx, w.plan.ID, per, who); err != nil {
		tb.Fatal(err)
	}
}
