-- Reports and answers. Answers are append-only: a correction is a new row, and
-- latest_answers points at the newest row for each unit, period and item, kept in the same
-- transaction as the insert so that rollups read one row per item.
CREATE TABLE reports (
	id            INTEGER PRIMARY KEY,
	unit_id       INTEGER NOT NULL REFERENCES units(id),
	period        TEXT NOT NULL,
	state         TEXT NOT NULL CHECK (state IN ('open', 'submitted')),
	opened_at     TEXT NOT NULL,
	submitted_at  TEXT,
	submitted_by  INTEGER,
	revision      INTEGER NOT NULL DEFAULT 0,
	UNIQUE (unit_id, period)
);

-- Every submit and reopen, with who, when and from which chat.
CREATE TABLE report_events (
	id         INTEGER PRIMARY KEY,
	report_id  INTEGER NOT NULL REFERENCES reports(id),
	event      TEXT NOT NULL,
	user_id    INTEGER NOT NULL,
	chat_id    INTEGER NOT NULL,
	at         TEXT NOT NULL
);
CREATE INDEX report_events_report ON report_events(report_id);

CREATE TABLE answers (
	id            INTEGER PRIMARY KEY,
	report_id     INTEGER NOT NULL REFERENCES reports(id),
	item_id       INTEGER NOT NULL REFERENCES items(id),
	skipped       INTEGER NOT NULL DEFAULT 0,
	value         REAL,
	raw           TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL DEFAULT '',
	done          TEXT NOT NULL DEFAULT '',
	coordination  TEXT NOT NULL DEFAULT '',
	stage         TEXT NOT NULL DEFAULT '',
	user_id       INTEGER NOT NULL,
	chat_id       INTEGER NOT NULL,
	at            TEXT NOT NULL
);
CREATE INDEX answers_report_item ON answers(report_id, item_id, id);

CREATE TABLE latest_answers (
	report_id  INTEGER NOT NULL REFERENCES reports(id),
	item_id    INTEGER NOT NULL REFERENCES items(id),
	answer_id  INTEGER NOT NULL REFERENCES answers(id),
	PRIMARY KEY (report_id, item_id)
) WITHOUT ROWID;
CREATE INDEX latest_answers_item ON latest_answers(item_id);

-- Append-only, enforced by the database as well as the code.
CREATE TRIGGER answers_no_update BEFORE UPDATE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
CREATE TRIGGER answers_no_delete BEFORE DELETE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only'); END;
