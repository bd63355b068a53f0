package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/progressbot/progressbot/store"
)

func TestBoots(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	clock := newClock(db)
	if _, err := db.LastBoot(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("last boot of a new database: %v", err)
	}
	steps := []struct {
		name  string
		do    func() error
		id    string // asked whether it ended cleanly
		clean bool
		last  string // the run started last
	}{
		{name: "never recorded", id: "nobody", clean: false},
		{name: "started", do: func() error { return db.StartBoot(ctx, "b1") }, id: "b1", clean: false, last: "b1"},
		{name: "ended", do: func() error { return db.EndBoot(ctx, "b1") }, id: "b1", clean: true, last: "b1"},
		{name: "a second boot runs", do: func() error { return db.StartBoot(ctx, "b2") }, id: "b2", clean: false, last: "b2"},
		{name: "the first stays clean", id: "b1", clean: true, last: "b2"},
		// An id that sorts before the others: "last" is by time, not by id.
		{name: "the second is killed: a third starts", do: func() error { return db.StartBoot(ctx, "a3") }, id: "b2", clean: false, last: "a3"},
	}
	started := map[string]time.Time{}
	for _, s := range steps {
		clock.add(time.Minute)
		if s.do != nil {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		if _, ok := started[s.last]; !ok && s.last != "" {
			started[s.last] = clock.t
		}
		run, err := db.Boot(ctx, s.id)
		if errors.Is(err, store.ErrNotFound) && s.id == "nobody" {
			err = nil // a run never recorded: not ended cleanly
		}
		if clean := !run.Ended.IsZero(); err != nil || clean != s.clean {
			t.Errorf("%s: %s ended cleanly %v (%v), want %v", s.name, s.id, clean, err, s.clean)
		}
		if s.last == "" {
			continue
		}
		b, err := db.LastBoot(ctx)
		if err != nil || b.ID != s.last || !b.Started.Equal(started[s.last]) {
			t.Errorf("%s: last boot %+v (%v), want %s", s.name, b, err, s.last)
		}
	}
	if b, _ := db.LastBoot(ctx); !b.Ended.IsZero() {
		t.Errorf("a killed run has an end: %+v", b)
	}
	if err := db.StartBoot(ctx, "b1"); err == nil {
		t.Error("a boot id started twice")
	}
	if err := db.EndBoot(ctx, "b1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ending a boot twice: %v", err)
	}
	if err := db.EndBoot(ctx, "never"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ending an unknown boot: %v", err)
	}
}
