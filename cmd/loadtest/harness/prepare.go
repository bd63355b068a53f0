package harness

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
	_ "modernc.org/sqlite" // Verify reads the database directly
)

// Prepare loads the bundled plan into the database at dbPath (created if need be) and
// makes n liaisons with Telegram ids firstID, firstID+1, …, each with a one-time invite
// to a unit that owes items in period: round robin over those units, the busiest first
// (so a unit may have several liaisons, as several people may report for one office).
func Prepare(ctx context.Context, dbPath string, n int, firstID int64, period progressbot.Period) ([]*Liaison, *progressbot.Plan, error) {
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	p, sum, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.SavePlan(ctx, p, sum); err != nil {
		return nil, nil, err
	}
	type owing struct {
		unit string
		due  int
	}
	var units []owing
	for _, u := range p.Units {
		if d := len(p.Due(u.ID, period)); d > 0 {
			units = append(units, owing{u.ID, d})
		}
	}
	if len(units) == 0 {
		return nil, nil, fmt.Errorf("no unit owes anything in %s", period)
	}
	slices.SortStableFunc(units, func(a, b owing) int { return cmp.Compare(b.due, a.due) })
	out := make([]*Liaison, n)
	for i := range n {
		unit := units[i%len(units)].unit
		code, err := db.CreateInvite(ctx, store.InviteSpec{PlanID: p.ID, Role: store.RoleLiaison, Unit: unit})
		if err != nil {
			return nil, nil, err
		}
		out[i] = &Liaison{ID: firstID + int64(i), Unit: unit, Code: code}
	}
	return out, p, nil
}

// Verification is what Verify found.
type Verification struct {
	Acked   int // answers the bot acknowledged
	Rows    int // answer rows written by these liaisons
	Missing []string
	// Misfiled lists typed answers that are in the database but under another question
	// than the one on the person's screen (a value typed for "what was done" kept as
	// "what needs coordination"): the bot's state had moved on past what the person saw.
	Misfiled []string
}

// Lost reports whether any acknowledged answer is missing.
func (v Verification) Lost() bool { return len(v.Missing) > 0 }

func (v Verification) String() string {
	return fmt.Sprintf("%d acknowledged answers, %d answer rows in the database, %d missing, %d filed under another question", v.Acked, v.Rows, len(v.Missing), len(v.Misfiled))
}

// Verify checks, in the database at dbPath (read-only), that every answer the liaisons
// had acknowledged is there: each typed value, text of what was done and coordination
// need among the rows saved from that person, and at least as many rows from each person
// as answers acknowledged to them. The bot may be running or stopped.
func Verify(ctx context.Context, dbPath string, people []*Liaison) (Verification, error) {
	var v Verification
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	conn, err := sql.Open("sqlite", "file:"+(&url.URL{Path: dbPath}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return v, err
	}
	defer conn.Close()
	for _, l := range people {
		v.Acked += len(l.Acked)
		rows, err := conn.QueryContext(ctx, `SELECT raw, done, coordination FROM answers WHERE user_id = ?`, l.ID)
		if err != nil {
			return v, err
		}
		have, anywhere := map[string]bool{}, map[string]bool{}
		n := 0
		for rows.Next() {
			var raw, done, coord string
			if err := rows.Scan(&raw, &done, &coord); err != nil {
				rows.Close()
				return v, err
			}
			have["value\x00"+raw], have["done\x00"+done], have["coord\x00"+coord] = true, true, true
			anywhere[raw], anywhere[done], anywhere[coord] = true, true, true
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return v, err
		}
		v.Rows += n
		for _, a := range l.Acked {
			switch {
			case a.Kind == "button" || have[a.Kind+"\x00"+a.Text]:
			case anywhere[a.Text]:
				v.Misfiled = append(v.Misfiled, fmt.Sprintf("liaison %d (%s): %s %q", l.ID, l.Unit, a.Kind, a.Text))
			default:
				v.Missing = append(v.Missing, fmt.Sprintf("liaison %d (%s): %s %q", l.ID, l.Unit, a.Kind, a.Text))
			}
		}
		if n < len(l.Acked) {
			v.Missing = append(v.Missing, fmt.Sprintf("liaison %d (%s): %d answers acknowledged, %d rows", l.ID, l.Unit, len(l.Acked), n))
		}
	}
	return v, nil
}
