package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
)

func TestDeadlineExtensions(t *testing.T) {
	db, plan, c, _ := outboxDB(t)
	ctx := context.Background()
	p := progressbot.Period{Year: 2026, Month: time.November}
	until := time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC)
	for _, bad := range []store.DeadlineExtension{
		{PlanID: plan, Unit: "hukou", Period: p, Until: until},                // no reason
		{PlanID: plan, Unit: "nowhere", Period: p, Until: until, Reason: "x"}, // no such unit
		{PlanID: plan, Unit: "hukou", Period: p, Reason: "x"},                 // no deadline
		{PlanID: plan, Unit: "hukou", Until: until, Reason: "x"},              // no period
	} {
		if _, err := db.ExtendDeadline(ctx, bad); !errors.Is(err, store.ErrBadExtension) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	x, err := db.ExtendDeadline(ctx, store.DeadlineExtension{PlanID: plan, Unit: "hukou", Period: p, Until: until, Reason: " 汛情 ", By: 9})
	if err != nil || x.ID == 0 || x.Reason != "汛情" || !x.At.Equal(c.now()) {
		t.Fatalf("%+v %v", x, err)
	}
	c.add(time.Hour)
	if _, err := db.ExtendDeadline(ctx, store.DeadlineExtension{PlanID: plan, Unit: "hukou", Period: p, Until: until.Add(48 * time.Hour), Reason: "再延", By: 9}); err != nil {
		t.Fatal(err)
	}
	in, err := db.DeadlineExtensions(ctx, plan, p)
	if err != nil || len(in) != 1 || !in["hukou"].Until.Equal(until.Add(48*time.Hour)) {
		t.Errorf("in force: %+v %v", in, err)
	}
	hist, err := db.DeadlineExtensionHistory(ctx, plan, "hukou", p)
	if err != nil || len(hist) != 2 || hist[0].Reason != "汛情" || hist[1].Reason != "再延" {
		t.Errorf("history: %+v %v", hist, err)
	}
	if _, err := rawDB(t, db).Exec(`UPDATE deadline_extensions SET reason = 'x'`); err == nil {
		t.Error("an extension was changed")
	}
}

func TestSubmissionsAndTimeliness(t *testing.T) {
	db, plan, c, _ := outboxDB(t)
	ctx := context.Background()
	p := progressbot.Period{Year: 2026, Month: time.November}
	if _, err := db.Submit(ctx, plan, "hukou", p, store.Who{UserID: 1}); err != nil {
		t.Fatal(err)
	}
	subs, err := db.PeriodSubmissions(ctx, plan, p)
	if err != nil || subs["hukou"].State != progressbot.ReportSubmitted || !subs["hukou"].SubmittedAt.Equal(c.now()) || len(subs) != 1 {
		t.Fatalf("%+v %v", subs, err)
	}
	dl := c.now().Add(-90 * time.Minute)
	ts := []store.Timeliness{{Unit: "hukou", Period: p, SubmittedAt: subs["hukou"].SubmittedAt, Deadline: dl}}
	if n, err := db.RecordTimeliness(ctx, plan, ts); err != nil || n != 1 {
		t.Fatalf("record: %d %v", n, err)
	}
	// The same submission again changes nothing, whatever deadline is given now.
	ts[0].Deadline = dl.Add(24 * time.Hour)
	if n, err := db.RecordTimeliness(ctx, plan, ts); err != nil || n != 0 {
		t.Fatalf("record again: %d %v", n, err)
	}
	rec, err := db.RecordedTimeliness(ctx, plan, p)
	if err != nil || !rec["hukou"].Late || rec["hukou"].LateBy != 90*time.Minute || !rec["hukou"].Deadline.Equal(dl) {
		t.Errorf("recorded: %+v %v", rec, err)
	}
}
