-- The scheduler's durable outbox: every message the scheduler means to send (reminders,
-- escalations, bulletins, notices to admins) is first a row here, under a unique key
-- (kind|period|recipient|step), so that a restart neither loses nor repeats one and two
-- processes on one database send each message once. A process claims ready rows by
-- setting lease_until and owner in one write transaction; a row whose lease ran out (its
-- process died) is claimed again. Times are UTC, fixed width (2006-01-02T15:04:05.000Z),
-- so that they compare as text.
CREATE TABLE outbox (
	id            INTEGER PRIMARY KEY,
	plan_id       TEXT NOT NULL REFERENCES plans(id),
	key           TEXT NOT NULL UNIQUE,
	series        TEXT NOT NULL DEFAULT '', -- a newer row of the same series supersedes a pending older one
	kind          TEXT NOT NULL,
	period        TEXT NOT NULL DEFAULT '',
	step          TEXT NOT NULL DEFAULT '',
	chat_id       INTEGER NOT NULL,
	user_id       INTEGER NOT NULL DEFAULT 0, -- the person (0 for a group chat)
	role          TEXT NOT NULL,              -- liaison, leader, admin or group
	unit          TEXT NOT NULL DEFAULT '',   -- the recipient's unit, or the scope of a leader or group
	subject       TEXT NOT NULL DEFAULT '',   -- unit keys the message is about, comma-separated
	lang          TEXT NOT NULL DEFAULT '',
	text          TEXT NOT NULL,
	keyboard      TEXT NOT NULL DEFAULT '',   -- inline keyboard as JSON, '' for none
	priority      INTEGER NOT NULL DEFAULT 0, -- lower goes first
	due_at        TEXT NOT NULL,              -- the moment the schedule meant it for
	expires_at    TEXT NOT NULL DEFAULT '',   -- after this it is stale and not sent ('' never)
	state         TEXT NOT NULL DEFAULT 'pending'
	              CHECK (state IN ('pending', 'sent', 'failed', 'blocked', 'cancelled', 'expired')),
	attempts      INTEGER NOT NULL DEFAULT 0,
	next_attempt  TEXT NOT NULL,
	lease_until   TEXT NOT NULL DEFAULT '',
	owner         TEXT NOT NULL DEFAULT '',
	last_error    TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	done_at       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_ready ON outbox(state, next_attempt);
CREATE INDEX outbox_period ON outbox(plan_id, period);
CREATE INDEX outbox_series ON outbox(series) WHERE series != '';
CREATE INDEX outbox_chat ON outbox(chat_id, state);

-- Leaders' group chats that receive the bulletins, registered by a leader or an admin
-- with /remind group in the group.
CREATE TABLE leader_groups (
	chat_id     INTEGER PRIMARY KEY,
	plan_id     TEXT NOT NULL REFERENCES plans(id),
	title       TEXT NOT NULL DEFAULT '',
	scope       TEXT NOT NULL DEFAULT '',
	lang        TEXT NOT NULL DEFAULT '',
	active      INTEGER NOT NULL DEFAULT 1,
	added_by    INTEGER NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
