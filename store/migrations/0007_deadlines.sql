-- Deadline extensions for one unit and period, granted by an admin with a reason. Rows are
-- never changed: a second extension is a new row and the latest one counts, so the
-- history of who extended what, when and why is kept.
CREATE TABLE deadline_extensions (
	id         INTEGER PRIMARY KEY,
	plan_id    TEXT NOT NULL REFERENCES plans(id),
	unit       TEXT NOT NULL,
	period     TEXT NOT NULL,
	until      TEXT NOT NULL, -- the new deadline (fixed-width UTC)
	reason     TEXT NOT NULL,
	by_user    INTEGER NOT NULL,
	at         TEXT NOT NULL
);
CREATE INDEX deadline_extensions_period ON deadline_extensions(plan_id, period, unit, id);

CREATE TRIGGER deadline_extensions_no_update BEFORE UPDATE ON deadline_extensions
BEGIN SELECT RAISE(ABORT, 'deadline extensions are append-only'); END;
CREATE TRIGGER deadline_extensions_no_delete BEFORE DELETE ON deadline_extensions
BEGIN SELECT RAISE(ABORT, 'deadline extensions are append-only'); END;

-- Timeliness as recorded when the scheduler saw a report submitted: the deadline that
-- applied to the unit at that moment (the configured one, moved off a non-working day,
-- or an extension), so that a later change of configuration does not rewrite history.
CREATE TABLE report_timeliness (
	plan_id       TEXT NOT NULL REFERENCES plans(id),
	unit          TEXT NOT NULL,
	period        TEXT NOT NULL,
	submitted_at  TEXT NOT NULL,
	deadline      TEXT NOT NULL,
	late          INTEGER NOT NULL,
	late_seconds  INTEGER NOT NULL DEFAULT 0,
	recorded_at   TEXT NOT NULL,
	PRIMARY KEY (plan_id, unit, period)
) WITHOUT ROWID;
