-- Leaders' rollups and the 红黄榜.
--
-- latest_values mirrors latest_answers with the few fields a rollup uses: the value, and
-- the rest packed into one integer (flags) so that a row is four columns to read. It is
-- keyed so that the answers of one item in one period are one contiguous range of the
-- primary key, and those of one unit in one period one range of latest_values_unit. A
-- rollup reads only the items and units its subject concerns and never touches the wide
-- answers table, except to read the coordination text of the few rows flagged. Triggers on
-- latest_answers keep it in the transaction that saves the answer (SaveAnswer's insert or
-- upsert), so no writer has to remember it. No foreign keys: every row is derived from
-- rows that have them.
--
-- flags: 1 skipped; 2 the coordination text may ask for something (it is not one of
-- progressbot.NoCoordinationSQL); bits 2–4 the status (1 not_started, 2 on_track,
-- 3 lagging, 4 done: progressbot.TaskStatuses' order, plus one); bits 5–7 the stage
-- (progressbot.ProjectStages' order, plus one). store/period.go decodes them; a test holds
-- the two together.
CREATE TABLE latest_values (
	period     INTEGER NOT NULL, -- yyyymm, 202611 for 2026-11
	item_id    INTEGER NOT NULL,
	unit_id    INTEGER NOT NULL,
	answer_id  INTEGER NOT NULL,
	value      REAL,
	flags      INTEGER NOT NULL,
	PRIMARY KEY (period, item_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX latest_values_unit ON latest_values(unit_id, period);

CREATE TRIGGER latest_values_insert AFTER INSERT ON latest_answers
BEGIN
	INSERT INTO latest_values (period, item_id, unit_id, answer_id, value, flags)
	SELECT CAST(substr(r.period, 1, 4) || substr(r.period, 6, 2) AS INTEGER), NEW.item_id, r.unit_id, a.id,
		a.value, (a.skipped != 0)
		| (CASE WHEN lower(trim(a.coordination)) NOT IN ('', '无', '没有', '暂无', 'none', 'no', 'n/a', 'na', '-', '/') THEN 2 ELSE 0 END)
		| (CASE a.status WHEN 'not_started' THEN 4 WHEN 'on_track' THEN 8 WHEN 'lagging' THEN 12 WHEN 'done' THEN 16 ELSE 0 END)
		| (CASE a.stage WHEN 'signed' THEN 32 WHEN 'coded' THEN 64 WHEN 'started' THEN 96 WHEN 'in_stats' THEN 128
			WHEN 'completed' THEN 160 WHEN 'producing' THEN 192 WHEN 'above_scale' THEN 224 ELSE 0 END)
	FROM reports r, answers a WHERE r.id = NEW.report_id AND a.id = NEW.answer_id
	ON CONFLICT (period, item_id, unit_id) DO UPDATE SET answer_id = excluded.answer_id, value = excluded.value,
		flags = excluded.flags;
END;

CREATE TRIGGER latest_values_update AFTER UPDATE OF answer_id ON latest_answers
BEGIN
	INSERT INTO latest_values (period, item_id, unit_id, answer_id, value, flags)
	SELECT CAST(substr(r.period, 1, 4) || substr(r.period, 6, 2) AS INTEGER), NEW.item_id, r.unit_id, a.id,
		a.value, (a.skipped != 0)
		| (CASE WHEN lower(trim(a.coordination)) NOT IN ('', '无', '没有', '暂无', 'none', 'no', 'n/a', 'na', '-', '/') THEN 2 ELSE 0 END)
		| (CASE a.status WHEN 'not_started' THEN 4 WHEN 'on_track' THEN 8 WHEN 'lagging' THEN 12 WHEN 'done' THEN 16 ELSE 0 END)
		| (CASE a.stage WHEN 'signed' THEN 32 WHEN 'coded' THEN 64 WHEN 'started' THEN 96 WHEN 'in_stats' THEN 128
			WHEN 'completed' THEN 160 WHEN 'producing' THEN 192 WHEN 'above_scale' THEN 224 ELSE 0 END)
	FROM reports r, answers a WHERE r.id = NEW.report_id AND a.id = NEW.answer_id
	ON CONFLICT (period, item_id, unit_id) DO UPDATE SET answer_id = excluded.answer_id, value = excluded.value,
		flags = excluded.flags;
END;

-- Answers saved before this migration.
INSERT INTO latest_values (period, item_id, unit_id, answer_id, value, flags)
SELECT CAST(substr(r.period, 1, 4) || substr(r.period, 6, 2) AS INTEGER), l.item_id, r.unit_id, a.id,
	a.value, (a.skipped != 0)
	| (CASE WHEN lower(trim(a.coordination)) NOT IN ('', '无', '没有', '暂无', 'none', 'no', 'n/a', 'na', '-', '/') THEN 2 ELSE 0 END)
	| (CASE a.status WHEN 'not_started' THEN 4 WHEN 'on_track' THEN 8 WHEN 'lagging' THEN 12 WHEN 'done' THEN 16 ELSE 0 END)
	| (CASE a.stage WHEN 'signed' THEN 32 WHEN 'coded' THEN 64 WHEN 'started' THEN 96 WHEN 'in_stats' THEN 128
		WHEN 'completed' THEN 160 WHEN 'producing' THEN 192 WHEN 'above_scale' THEN 224 ELSE 0 END)
FROM latest_answers l JOIN reports r ON r.id = l.report_id JOIN answers a ON a.id = l.answer_id WHERE true;

-- Who has reported in a period: one range per period.
CREATE INDEX reports_period ON reports(period, unit_id);

-- The 红黄榜 of a period: computed by rules, reviewed by an admin (entries removed with a
-- reason, the list approved), then published. A published board is never changed.
CREATE TABLE boards (
	plan_id       TEXT NOT NULL REFERENCES plans(id),
	period        TEXT NOT NULL,
	state         TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'published')),
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	approved_at   TEXT,
	approved_by   INTEGER,
	published_at  TEXT,
	published_by  INTEGER,
	PRIMARY KEY (plan_id, period)
);

CREATE TABLE board_entries (
	plan_id         TEXT NOT NULL,
	period          TEXT NOT NULL,
	list            TEXT NOT NULL CHECK (list IN ('red', 'yellow')),
	unit            TEXT NOT NULL,
	position        INTEGER NOT NULL,
	reason          TEXT NOT NULL,
	ahead           INTEGER NOT NULL,
	lagging         INTEGER NOT NULL,
	serious         INTEGER NOT NULL,
	judged          INTEGER NOT NULL,
	days            INTEGER NOT NULL,
	removed_reason  TEXT, -- set when an admin took the entry off, with why
	removed_by      INTEGER,
	removed_at      TEXT,
	PRIMARY KEY (plan_id, period, list, unit),
	FOREIGN KEY (plan_id, period) REFERENCES boards(plan_id, period)
);

CREATE TRIGGER board_entries_frozen_update BEFORE UPDATE ON board_entries
WHEN (SELECT state FROM boards WHERE plan_id = OLD.plan_id AND period = OLD.period) = 'published'
BEGIN SELECT RAISE(ABORT, 'a published board is never changed'); END;
CREATE TRIGGER board_entries_frozen_delete BEFORE DELETE ON board_entries
WHEN (SELECT state FROM boards WHERE plan_id = OLD.plan_id AND period = OLD.period) = 'published'
BEGIN SELECT RAISE(ABORT, 'a published board is never changed'); END;
CREATE TRIGGER board_entries_frozen_insert BEFORE INSERT ON board_entries
WHEN (SELECT state FROM boards WHERE plan_id = NEW.plan_id AND period = NEW.period) = 'published'
BEGIN SELECT RAISE(ABORT, 'a published board is never changed'); END;

-- An admin who pressed "remove" on an entry and is about to type the reason.
CREATE TABLE board_pending (
	telegram_id  INTEGER PRIMARY KEY,
	plan_id      TEXT NOT NULL,
	period       TEXT NOT NULL,
	list         TEXT NOT NULL,
	unit         TEXT NOT NULL,
	at           TEXT NOT NULL
);
