package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
)

func TestBoardLifecycle(t *testing.T) {
	ctx := context.Background()
	db, p := planDBWith(t)
	oct := progressbot.Period{Year: 2026, Month: 10}
	clock := time.Date(2026, 11, 10, 9, 0, 0, 0, shanghai)
	db.Now = func() time.Time { return clock }
	admin := store.Who{UserID: 1, ChatID: 1}
	entries := []progressbot.BoardEntry{
		{List: progressbot.RedList, Unit: "lushan", Reason: progressbot.BoardAhead, Ahead: 30, Judged: 40},
		{List: progressbot.RedList, Unit: "xiushui", Reason: progressbot.BoardAhead, Ahead: 20, Judged: 40},
		{List: progressbot.YellowList, Unit: "dean", Reason: progressbot.BoardMissing, Days: 5},
		{List: progressbot.YellowList, Unit: "hukou", Reason: progressbot.BoardLate, Days: 2},
	}
	if _, err := db.Board(ctx, p.ID, oct); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no board yet: %v", err)
	}
	b, err := db.DraftBoard(ctx, p.ID, oct, entries)
	if err != nil || b.State != store.BoardDraft || len(b.Entries) != 4 || b.Entries[0].Unit != "lushan" || b.Entries[2].Unit != "dean" || b.Entries[3].Position != 1 {
		t.Fatalf("draft %+v %v", b, err)
	}
	if _, err := db.PublishedBoard(ctx, p.ID, oct); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a draft is not published: %v", err)
	}
	if _, _, err := db.PublishBoard(ctx, p.ID, oct, admin); !errors.Is(err, store.ErrBoardNotApproved) {
		t.Errorf("publish a draft: %v", err)
	}
	// Remove one with a reason; a later recomputation keeps the removal.
	if b, err = db.RemoveFromBoard(ctx, p.ID, oct, progressbot.YellowList, "hukou", "补报材料已核实", admin); err != nil {
		t.Fatal(err)
	}
	if e, _ := b.Entry(progressbot.YellowList, "hukou"); !e.Removed || e.RemovedReason != "补报材料已核实" || e.RemovedBy != 1 || !e.RemovedAt.Equal(clock) {
		t.Errorf("removed %+v", e)
	}
	if _, err := db.RemoveFromBoard(ctx, p.ID, oct, progressbot.YellowList, "pengze", "x", admin); !errors.Is(err, store.ErrBoardNoEntry) {
		t.Errorf("remove an entry that is not there: %v", err)
	}
	entries[3].Days = 3
	entries = append(entries[:1], entries[2:]...) // xiushui is no longer computed
	entries = append(entries, progressbot.BoardEntry{List: progressbot.YellowList, Unit: "pengze", Reason: progressbot.BoardLagging, Lagging: 5, Judged: 20})
	if b, err = db.DraftBoard(ctx, p.ID, oct, entries); err != nil {
		t.Fatal(err)
	}
	if len(b.Listed(progressbot.RedList)) != 1 || len(b.Listed(progressbot.YellowList)) != 2 {
		t.Errorf("refreshed %+v", b.Entries)
	}
	if e, _ := b.Entry(progressbot.YellowList, "hukou"); !e.Removed || e.Days != 2 {
		t.Errorf("a removed entry stays removed and as it was: %+v", e)
	}
	// Approve freezes it; removing sends it back to draft.
	if b, err = db.ApproveBoard(ctx, p.ID, oct, admin); err != nil || b.State != store.BoardApproved {
		t.Fatalf("approve %+v %v", b.State, err)
	}
	if b, _ = db.DraftBoard(ctx, p.ID, oct, nil); len(b.Listed(progressbot.YellowList)) != 2 {
		t.Error("an approved board was recomputed")
	}
	if b, _ = db.RemoveFromBoard(ctx, p.ID, oct, progressbot.YellowList, "pengze", "已整改", admin); b.State != store.BoardDraft {
		t.Errorf("after a removal: %s", b.State)
	}
	if _, err := db.ApproveBoard(ctx, p.ID, oct, admin); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Hour)
	b, already, err := db.PublishBoard(ctx, p.ID, oct, store.Who{UserID: 2})
	if err != nil || already || b.State != store.BoardPublished || b.PublishedBy != 2 || !b.PublishedAt.Equal(clock) {
		t.Fatalf("publish %+v %v %v", b, already, err)
	}
	// Idempotent, and frozen.
	clock = clock.Add(time.Hour)
	b2, already, err := db.PublishBoard(ctx, p.ID, oct, store.Who{UserID: 3})
	if err != nil || !already || b2.PublishedBy != 2 || !b2.PublishedAt.Equal(b.PublishedAt) {
		t.Errorf("publish again: %+v %v %v", b2, already, err)
	}
	if _, err := db.RemoveFromBoard(ctx, p.ID, oct, progressbot.YellowList, "dean", "x", admin); !errors.Is(err, store.ErrBoardPublished) {
		t.Errorf("remove after publishing: %v", err)
	}
	if _, err := db.ApproveBoard(ctx, p.ID, oct, admin); !errors.Is(err, store.ErrBoardPublished) {
		t.Errorf("approve after publishing: %v", err)
	}
	if b3, _ := db.DraftBoard(ctx, p.ID, oct, nil); len(b3.Entries) != len(b.Entries) {
		t.Error("a published board was recomputed")
	}
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE board_entries SET removed_reason = NULL WHERE unit = 'hukou'`); err == nil {
		t.Error("the database let a published board change")
	}
	if _, err := raw.Exec(`DELETE FROM board_entries WHERE unit = 'dean'`); err == nil {
		t.Error("the database let a published entry go")
	}
	pb, err := db.PublishedBoard(ctx, p.ID, oct)
	if err != nil || len(pb.Listed(progressbot.YellowList)) != 1 || len(pb.Listed(progressbot.RedList)) != 1 {
		t.Errorf("published %+v %v", pb, err)
	}
	// Another period, published; listed latest first.
	sep := progressbot.Period{Year: 2026, Month: 9}
	db.DraftBoard(ctx, p.ID, sep, entries[:1])
	db.ApproveBoard(ctx, p.ID, sep, admin)
	db.PublishBoard(ctx, p.ID, sep, admin)
	db.DraftBoard(ctx, p.ID, progressbot.Period{Year: 2026, Month: 8}, entries[:1])
	ps, err := db.PublishedPeriods(ctx, p.ID)
	if err != nil || len(ps) != 2 || ps[0] != oct || ps[1] != sep {
		t.Errorf("published periods %v %v", ps, err)
	}
}

func TestBoardPending(t *testing.T) {
	ctx := context.Background()
	db, p := planDBWith(t)
	if _, ok, err := db.TakeBoardPending(ctx, p.ID, 9); ok || err != nil {
		t.Fatalf("nothing pending: %v %v", ok, err)
	}
	oct := progressbot.Period{Year: 2026, Month: 10}
	db.SetBoardPending(ctx, p.ID, 9, store.BoardPending{Period: oct, List: progressbot.RedList, Unit: "lushan"})
	db.SetBoardPending(ctx, p.ID, 9, store.BoardPending{Period: oct, List: progressbot.YellowList, Unit: "dean"})
	got, ok, err := db.TakeBoardPending(ctx, p.ID, 9)
	if err != nil || !ok || got.Unit != "dean" || got.List != progressbot.YellowList || got.Period != oct {
		t.Errorf("pending %+v %v %v", got, ok, err)
	}
	if _, ok, _ := db.TakeBoardPending(ctx, p.ID, 9); ok {
		t.Error("taken twice")
	}
}
