package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
)

// Role is what a person may do.
type Role string

const (
	RoleLiaison Role = "liaison" // reports for one unit
	RoleLeader  Role = "leader"  // reads progress within a scope
	RoleAdmin   Role = "admin"   // runs the plan: invites, periods, exports, corrections
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleLiaison || r == RoleLeader || r == RoleAdmin }

// User is a Telegram user bound to a plan by an invite.
type User struct {
	TelegramID int64
	ChatID     int64 // private chat, where reminders go
	Name       string
	PlanID     string
	Role       Role
	Unit       string // unit key, for a liaison
	// Scope narrows what a leader sees: "" for the whole plan, else "chain:petrochem",
	// "cluster:lithium-pv" or "unit:hukou".
	Scope     string
	Lang      string // chosen with /lang; empty means follow Telegram's language
	Active    bool   // false once the person blocked the bot or was removed
	CreatedAt time.Time
}

// Invite errors. Redeem wraps them; test with errors.Is.
var (
	ErrInviteUnknown   = &progressbot.Error{Kind: progressbot.NotFound, Msg: "unknown invite code"}
	ErrInviteUsed      = &progressbot.Error{Kind: progressbot.Conflict, Msg: "invite code already used"}
	ErrInviteExpired   = &progressbot.Error{Kind: progressbot.Conflict, Msg: "invite code expired"}
	ErrInviteThrottled = &progressbot.Error{Kind: progressbot.RetryLater, Msg: "too many wrong invite codes, try again later"}
	// ErrBadInvite is returned by CreateInvite for a spec that makes no sense.
	ErrBadInvite = &progressbot.Error{Kind: progressbot.Invalid, Msg: "invalid invite"}
)

// throttled is what Redeem returns while a person must wait after wrong codes: it
// matches ErrInviteThrottled and carries the wait as its RetryAfter, read with
// progressbot.RetryAfter like any other.
func throttled(wait time.Duration) error {
	return &progressbot.Error{Kind: progressbot.RetryLater, Msg: "wait " + wait.Round(time.Second).String(), RetryAfter: wait, Err: ErrInviteThrottled}
}

// DefaultInviteTTL is how long an invite stays valid when its spec says nothing.
const DefaultInviteTTL = 7 * 24 * time.Hour

// Throttling of wrong codes: with n failures by one person within failureWindow, the
// person waits 2^(n-freeFailures) × failureBase after the latest, at most failureMaxWait.
const (
	failureWindow  = time.Hour
	freeFailures   = 3
	failureBase    = 10 * time.Second
	failureMaxWait = time.Hour
)

// InviteSpec says whom an invite makes of the person who redeems it.
type InviteSpec struct {
	PlanID string
	Role   Role
	// Unit is the unit key: required for a liaison, optional for a leader or admin.
	Unit string
	// Scope narrows what a leader sees ("chain:<id>", "cluster:<id>", "unit:<key>"); ""
	// is the whole plan. A leader with a Unit and no Scope gets "unit:<Unit>".
	Scope string
	// TTL is how long the code stays valid; 0 means DefaultInviteTTL.
	TTL       time.Duration
	CreatedBy int64 // Telegram id of the admin who made it; 0 for the command line
}

// CreateInvite makes a one-time invite and returns its code: 22 characters of base64url
// (letters, digits, '-' and '_'), usable as a Telegram deep-link start parameter. Only
// the code's hash is stored; the code cannot be recovered from the database.
func (db *DB) CreateInvite(ctx context.Context, spec InviteSpec) (string, error) {
	if spec.TTL == 0 {
		spec.TTL = DefaultInviteTTL
	}
	if err := checkSpec(&spec); err != nil {
		return "", fmt.Errorf("create invite: %w", err)
	}
	kind, id, _ := strings.Cut(spec.Scope, ":")
	if kind == "chain" || kind == "cluster" {
		p, err := db.Plan(ctx, spec.PlanID)
		if err != nil {
			return "", fmt.Errorf("create invite: %w", err)
		}
		if kind == "chain" && p.Chain(id) == nil || kind == "cluster" && p.Cluster(id) == nil {
			return "", fmt.Errorf("create invite: %w: unknown %s %q", ErrBadInvite, kind, id)
		}
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("create invite: %w", err)
	}
	code := base64.RawURLEncoding.EncodeToString(raw[:])
	err := db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM plans WHERE id = ?`, spec.PlanID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("plan %s: %w", spec.PlanID, ErrNotFound)
		}
		units := []string{spec.Unit}
		if kind == "unit" {
			units = append(units, id)
		}
		for _, key := range units {
			if key == "" {
				continue
			}
			if err := liveUnit(ctx, tx, spec.PlanID, key); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO invites (code_hash, plan_id, role, unit, scope, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			hashCode(code), spec.PlanID, string(spec.Role), nullString(spec.Unit), spec.Scope, spec.CreatedBy,
			tx.Stamp(), stamp(tx.Now.Add(spec.TTL)))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create invite: %w", err)
	}
	return code, nil
}

// checkSpec validates what can be checked without the database and fills the default
// scope of a leader bound to a unit.
func checkSpec(spec *InviteSpec) error {
	switch {
	case spec.PlanID == "":
		return fmt.Errorf("%w: no plan", ErrBadInvite)
	case !spec.Role.Valid():
		return fmt.Errorf("%w: role %q: want liaison, leader or admin", ErrBadInvite, spec.Role)
	case spec.TTL < 0:
		return fmt.Errorf("%w: negative lifetime %s", ErrBadInvite, spec.TTL)
	case spec.Role == RoleLiaison && spec.Unit == "":
		return fmt.Errorf("%w: a liaison needs a unit", ErrBadInvite)
	case spec.Role != RoleLeader && spec.Scope != "":
		return fmt.Errorf("%w: only a leader has a scope", ErrBadInvite)
	}
	if spec.Role == RoleLeader && spec.Scope == "" && spec.Unit != "" {
		spec.Scope = "unit:" + spec.Unit
	}
	if spec.Scope != "" {
		kind, id, ok := strings.Cut(spec.Scope, ":")
		if !ok || id == "" || kind != "chain" && kind != "cluster" && kind != "unit" {
			return fmt.Errorf("%w: scope %q: want chain:<id>, cluster:<id> or unit:<key>", ErrBadInvite, spec.Scope)
		}
	}
	return nil
}

// liveUnit checks that a unit key exists in a plan and is not retired.
func liveUnit(ctx context.Context, tx *Tx, planID, key string) error {
	var retired bool
	err := tx.QueryRowContext(ctx, `SELECT retired FROM units WHERE plan_id = ? AND key = ?`, planID, key).Scan(&retired)
	if errors.Is(err, sql.ErrNoRows) || err == nil && retired {
		return fmt.Errorf("%w: unknown unit %q", ErrBadInvite, key)
	}
	return err
}

func hashCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// Redeem binds a Telegram user to the plan, role and unit of an invite, in one write
// transaction: the code is used at most once however many people try it at the same
// moment. A person invited again gets the new role, unit and scope and keeps their
// language. A wrong, used or expired code is recorded as a failure of that person, in the
// same transaction, and too many failures make Redeem refuse (ErrInviteThrottled, with
// the wait as its progressbot.RetryAfter) before it looks at the code at all; a success
// clears them.
func (db *DB) Redeem(ctx context.Context, code string, telegramID, chatID int64, name string) (User, error) {
	code = strings.TrimSpace(code)
	var (
		u    User
		fail error // the reason this redeem failed, recorded and committed
	)
	err := db.Write(ctx, func(tx *Tx) error {
		u, fail = User{}, nil // Write may run this again after a busy database
		if wait, err := inviteWait(ctx, tx, telegramID); err != nil {
			return err
		} else if wait > 0 {
			return throttled(wait)
		}
		var (
			id                  int64
			planID, role, scope string
			unit, usedAt        sql.NullString
			expires             string
		)
		err := tx.QueryRowContext(ctx, `SELECT id, plan_id, role, unit, scope, expires_at, used_at FROM invites WHERE code_hash = ?`,
			hashCode(code)).Scan(&id, &planID, &role, &unit, &scope, &expires, &usedAt)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fail = ErrInviteUnknown
		case err != nil:
			return err
		case usedAt.Valid:
			fail = ErrInviteUsed
		case tx.Now.After(parseStamp(expires)):
			fail = ErrInviteExpired
		}
		if fail != nil {
			return recordFailure(ctx, tx, telegramID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invites SET used_at = ?, used_by = ? WHERE id = ?`, tx.Stamp(), telegramID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (telegram_id, chat_id, name, plan_id, role, unit, scope, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
			ON CONFLICT (telegram_id) DO UPDATE SET chat_id = excluded.chat_id, name = excluded.name, plan_id = excluded.plan_id,
				role = excluded.role, unit = excluded.unit, scope = excluded.scope, active = 1, updated_at = excluded.updated_at`,
			telegramID, chatID, name, planID, role, unit, scope, tx.Stamp(), tx.Stamp()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invite_failures WHERE telegram_id = ?`, telegramID); err != nil {
			return err
		}
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE telegram_id = ?`, telegramID))
		return err
	})
	db.users.wrote(telegramID, nil)
	if err == nil {
		err = fail
	}
	if err != nil {
		return User{}, fmt.Errorf("redeem invite: %w", err)
	}
	return u, nil
}

// recordFailure notes a failed redeem and prunes failures too old to count.
func recordFailure(ctx context.Context, tx *Tx, telegramID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO invite_failures (telegram_id, at) VALUES (?, ?)`, telegramID, tx.Stamp()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM invite_failures WHERE julianday(at) < julianday(?)`, stamp(tx.Now.Add(-2*failureWindow)))
	return err
}

// inviteWait is how long a person must wait before trying another invite code: nothing
// for the first few failures within the hour, then a wait that doubles with each failure
// (10s, 20s, 40s, …, at most an hour) from the latest one. Redeem refuses with it
// (progressbot.RetryAfter of its error).
func inviteWait(ctx context.Context, tx *Tx, telegramID int64) (time.Duration, error) {
	rows, err := tx.QueryContext(ctx, `SELECT at FROM invite_failures WHERE telegram_id = ?`, telegramID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var (
		n      int
		latest time.Time
		since  = tx.Now.Add(-failureWindow)
	)
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return 0, err
		}
		at := parseStamp(s)
		if !at.After(since) {
			continue
		}
		n++
		if at.After(latest) {
			latest = at
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return throttleWait(n, latest, tx.Now), nil
}

// throttleWait is the wait left at now after n recent failures, the latest at latest.
func throttleWait(n int, latest, now time.Time) time.Duration {
	if n < freeFailures {
		return 0
	}
	d := failureMaxWait
	if e := n - freeFailures; e < 16 {
		d = min(failureBase<<e, failureMaxWait)
	}
	return max(latest.Add(d).Sub(now), 0)
}

const userCols = `telegram_id, chat_id, name, plan_id, role, unit, scope, lang, active, created_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var (
		u       User
		role    string
		unit    sql.NullString
		created string
	)
	if err := sc.Scan(&u.TelegramID, &u.ChatID, &u.Name, &u.PlanID, &role, &unit, &u.Scope, &u.Lang, &u.Active, &created); err != nil {
		return u, err
	}
	u.Role, u.Unit, u.CreatedAt = Role(role), unit.String, parseStamp(created)
	return u, nil
}

// userRow is what the memo keeps of a person, including that there is none: every update
// asks who sent it, strangers' too.
type userRow struct {
	u     User
	found bool
}

// User returns a bound person; ErrNotFound for anyone who has redeemed no invite.
func (db *DB) User(ctx context.Context, telegramID int64) (User, error) {
	row, ticket, ok := db.users.get(telegramID)
	if !ok {
		u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE telegram_id = ?`, telegramID))
		switch {
		case err == nil:
			row = userRow{u: u, found: true}
		case !errors.Is(err, sql.ErrNoRows):
			return User{}, fmt.Errorf("user %d: %w", telegramID, err)
		}
		db.users.fill(telegramID, ticket, row)
	}
	if !row.found {
		return User{}, fmt.Errorf("user %d: %w", telegramID, ErrNotFound)
	}
	return row.u, nil
}

// SetLang remembers the language a person chose; "" follows Telegram's again.
func (db *DB) SetLang(ctx context.Context, telegramID int64, lang string) error {
	return db.updateUser(ctx, "set lang", telegramID, `lang = ?`, lang)
}

// SetActive marks a person reachable or not, e.g. inactive after Telegram answers 403
// (the bot was blocked), active again when they write to the bot.
func (db *DB) SetActive(ctx context.Context, telegramID int64, active bool) error {
	return db.updateUser(ctx, "set active", telegramID, `active = ?`, active)
}

func (db *DB) updateUser(ctx context.Context, what string, telegramID int64, set string, v any) error {
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET `+set+`, updated_at = ? WHERE telegram_id = ?`, v, tx.Stamp(), telegramID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	db.users.wrote(telegramID, nil)
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, telegramID, err)
	}
	return nil
}

// Users lists everyone bound to a plan, active or not, by role, unit and name.
func (db *DB) Users(ctx context.Context, planID string) ([]User, error) {
	us, err := db.queryUsers(ctx, `SELECT `+userCols+` FROM users WHERE plan_id = ?
		ORDER BY role, coalesce(unit, ''), name, telegram_id`, planID)
	if err != nil {
		return nil, fmt.Errorf("users %s: %w", planID, err)
	}
	return us, nil
}

// UnitUsers lists the active liaisons of a unit: who reports for it and gets its
// reminders.
func (db *DB) UnitUsers(ctx context.Context, planID, unit string) ([]User, error) {
	us, err := db.queryUsers(ctx, `SELECT `+userCols+` FROM users
		WHERE plan_id = ? AND unit = ? AND role = 'liaison' AND active = 1 ORDER BY name, telegram_id`, planID, unit)
	if err != nil {
		return nil, fmt.Errorf("unit users %s %s: %w", planID, unit, err)
	}
	return us, nil
}

func (db *DB) queryUsers(ctx context.Context, q string, args ...any) ([]User, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
