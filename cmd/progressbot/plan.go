package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
	_ "time/tzdata" // Asia/Shanghai on machines and images without a zoneinfo database
)

// loadSeed reads a plan folder from disk, or the bundled plan when dir is empty.
func loadSeed(dir string) (*progressbot.Plan, string, error) {
	if dir == "" {
		return seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	}
	return seeds.Load(os.DirFS(filepath.Dir(filepath.Clean(dir))), filepath.Base(filepath.Clean(dir)))
}

func cmdSeed(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("seed", &c, "db", "lang")
	dir := fs.String("dir", "", "plan folder with plan.yaml, units.yaml, …; empty loads the bundled "+seeds.DefaultPlan)
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	p, sum, err := loadSeed(*dir)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, c.dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.SavePlan(ctx, p, sum)
	if err != nil {
		return err
	}
	loc := locales.For(c.lang)
	id := "cli.seed.updated"
	switch {
	case res.Unchanged:
		id = "cli.seed.unchanged"
	case res.Created:
		id = "cli.seed.created"
	}
	fmt.Fprintln(e.stdout, loc.T(id, "Plan", p.ID, "Units", res.Units, "Items", res.Items, "Targets", res.Targets, "Retired", res.Retired))
	return nil
}

// openPlan opens the database and the plan to work on. An empty database is refused
// with a word to run seed first, unless seedEmpty is set (serve and chat, which should
// just run): then the bundled plan is loaded and seedEmpty is told so. Only a database
// with no plan at all is seeded, so a command run before `seed --dir` cannot leave two
// plans in one database.
func openPlan(ctx context.Context, c *config, seedEmpty io.Writer) (*store.DB, *progressbot.Plan, error) {
	db, err := store.Open(ctx, c.dbPath)
	if err != nil {
		return nil, nil, err
	}
	p, err := ensurePlan(ctx, db, c.plan, locales.For(c.lang), seedEmpty)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, p, nil
}

// ensurePlan returns the plan to run: the one named, else the only one stored; on an
// empty database the bundled plan when seedEmpty is set (see openPlan). A choice to make
// is asked for in l's language.
func ensurePlan(ctx context.Context, db *store.DB, id string, l *locales.Localizer, seedEmpty io.Writer) (*progressbot.Plan, error) {
	ids, err := db.PlanIDs(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case id != "":
	case len(ids) == 1:
		id = ids[0]
	case len(ids) == 0 && seedEmpty == nil:
		return nil, userError(l, "cli.err.no_plan")
	case len(ids) == 0:
		p, sum, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
		if err != nil {
			return nil, fmt.Errorf("load bundled plan: %w", err)
		}
		if _, err := db.SavePlan(ctx, p, sum); err != nil {
			return nil, err
		}
		slog.Info("empty database: loaded the bundled plan", "plan", p.ID)
		fmt.Fprintln(seedEmpty, l.T("cli.seeded_empty", "Plan", p.ID))
		return p, nil
	default:
		return nil, userError(l, "cli.err.plans", "Plans", strings.Join(ids, ", "))
	}
	return db.Plan(ctx, id)
}

func cmdUnits(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("units", &c, "db", "lang", "plan")
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	a, err := openPlanCmd(ctx, &c, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	p, loc := a.plan, a.l
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, loc.T("cli.units.header"))
	for _, u := range p.Units {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, strings.Join(u.Short, "、"), loc.T("unit.kind."+string(u.Kind)), u.En)
	}
	return tw.Flush()
}

// writeFileAtomic writes through a temporary file and renames it, so that a failed export
// never leaves half a spreadsheet where the last good one was.
func writeFileAtomic(path string, write func(*os.File) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".export-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// firstCounty names the unit chat speaks for when none is given: the plan's first
// county, else its first unit that reports anything.
func firstCounty(p *progressbot.Plan) string {
	if cs := p.Counties(); len(cs) > 0 {
		return cs[0].ID
	}
	if rs := p.Reporters(); len(rs) > 0 {
		return rs[0]
	}
	return ""
}
