package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/progressbot/progressbot/store"
)

func TestBoots(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	steps := []struct {
		name  string
		do    func() error
		id    string
		clean bool
	}{
		{name: "never recorded", id: "nobody", clean: false},
		{name: "started", do: func() error { return db.StartBoot(ctx, "b1") }, id: "b1", clean: false},
		{name: "ended", do: func() error { return db.EndBoot(ctx, "b1") }, id: "b1", clean: true},
		{name: "a second boot runs", do: func() error { return db.StartBoot(ctx, "b2") }, id: "b2", clean: false},
		{name: "the first stays clean", id: "b1", clean: true},
		{name: "the second is killed: a third starts", do: func() error { return db.StartBoot(ctx, "b3") }, id: "b2", clean: false},
	}
	for _, s := range steps {
		if s.do != nil {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		clean, err := db.BootEndedCleanly(ctx, s.id)
		if err != nil || clean != s.clean {
			t.Errorf("%s: %s ended cleanly %v (%v), want %v", s.name, s.id, clean, err, s.clean)
		}
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
