-- The plan, as loaded from a seed folder. The full plan is kept as JSON for the
-- application; units, items and targets are kept as rows so that answers can reference
-- them and exports can query them. Rows are never deleted: an item that a corrected seed
-- drops is marked retired, so every answer given about it keeps its meaning.
CREATE TABLE plans (
	id          TEXT PRIMARY KEY,
	title       TEXT NOT NULL,
	doc_number  TEXT NOT NULL,
	checksum    TEXT NOT NULL,
	data        BLOB NOT NULL,
	loaded_at   TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);

CREATE TABLE units (
	id       INTEGER PRIMARY KEY,
	plan_id  TEXT NOT NULL REFERENCES plans(id),
	key      TEXT NOT NULL,
	name     TEXT NOT NULL,
	kind     TEXT NOT NULL,
	name_en  TEXT NOT NULL,
	retired  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (plan_id, key)
);

CREATE TABLE items (
	id       INTEGER PRIMARY KEY,
	plan_id  TEXT NOT NULL REFERENCES plans(id),
	kind     TEXT NOT NULL,
	key      TEXT NOT NULL,
	title    TEXT NOT NULL,
	retired  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (plan_id, kind, key)
);

CREATE TABLE targets (
	plan_id    TEXT NOT NULL REFERENCES plans(id),
	indicator  TEXT NOT NULL,
	unit       TEXT NOT NULL,
	year       INTEGER NOT NULL,
	floor      REAL,
	stretch    REAL,
	text       TEXT NOT NULL,
	companies  TEXT NOT NULL,
	measure    TEXT NOT NULL,
	source     TEXT NOT NULL,
	note       TEXT NOT NULL,
	PRIMARY KEY (plan_id, indicator, unit, year)
);
