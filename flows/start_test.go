package flows_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// TestStartThrottled: after three wrong codes a person is told how long to wait — the
// wait the store's refusal carries (progressbot.RetryAfter), with no second query — and
// a valid code changes nothing meanwhile.
func TestStartThrottled(t *testing.T) {
	for _, lang := range locales.Languages {
		t.Run(lang, func(t *testing.T) {
			loc := locales.For(lang)
			w := newWorld(t)
			code, err := w.db.CreateInvite(context.Background(), store.InviteSpec{PlanID: w.e.Plan.ID, Role: store.RoleLiaison, Unit: "hukou"})
			if err != nil {
				t.Fatal(err)
			}
			p := w.person(lang)
			for i := range 3 {
				p.cmd("start", fmt.Sprintf("wrong-%d", i))
			}
			p.cmd("start", code)
			p.sees(t, loc.T("start.throttled", "Wait", loc.T("time.seconds", "Count", 10)))
			if _, err := w.db.User(context.Background(), p.id); err == nil {
				t.Error("bound while throttled")
			}
		})
	}
}
