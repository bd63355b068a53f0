-- People and the invites that bind them to a plan, a role and a unit.
CREATE TABLE users (
	telegram_id  INTEGER PRIMARY KEY,
	chat_id      INTEGER NOT NULL,
	name         TEXT NOT NULL DEFAULT '',
	plan_id      TEXT NOT NULL REFERENCES plans(id),
	role         TEXT NOT NULL CHECK (role IN ('liaison', 'leader', 'admin')),
	unit         TEXT, -- unit key; NULL for a leader or admin bound to no unit
	scope        TEXT NOT NULL DEFAULT '', -- '' (whole plan), 'chain:<id>', 'cluster:<id>', 'unit:<key>'
	lang         TEXT NOT NULL DEFAULT '', -- chosen with /lang; '' follows Telegram
	active       INTEGER NOT NULL DEFAULT 1,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);
CREATE INDEX users_plan_unit ON users(plan_id, unit);

-- One-time invite codes. Only the SHA-256 (hex) of a code is stored. A code is 128 bits
-- from crypto/rand, so a plain hash is enough: there is no dictionary to precompute and no
-- point in a salt or a slow KDF, which protect low-entropy secrets such as passwords. The
-- unique hash also finds a code in one index lookup.
CREATE TABLE invites (
	id          INTEGER PRIMARY KEY,
	code_hash   TEXT UNIQUE NOT NULL,
	plan_id     TEXT NOT NULL REFERENCES plans(id),
	role        TEXT NOT NULL CHECK (role IN ('liaison', 'leader', 'admin')),
	unit        TEXT,
	scope       TEXT NOT NULL DEFAULT '',
	created_by  INTEGER NOT NULL DEFAULT 0, -- Telegram id of the admin; 0 for the command line
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL,
	used_at     TEXT,
	used_by     INTEGER
);

-- Failed redeems, to slow down whoever guesses codes. Rows older than the throttling
-- window are pruned as new ones come in.
CREATE TABLE invite_failures (
	telegram_id  INTEGER NOT NULL,
	at           TEXT NOT NULL
);
CREATE INDEX invite_failures_user ON invite_failures(telegram_id, at);
