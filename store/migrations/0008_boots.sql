-- Each run of `serve` is a boot. A boot that ended cleanly had delivered the reply to
-- every update it took, so the sessions it saved match what people saw; a boot without
-- ended_at was killed, and the screen its last save describes may never have reached
-- the person (see flows: a typed answer after such a boot is confirmed first).
CREATE TABLE boots (
	id         TEXT PRIMARY KEY,
	started_at TEXT NOT NULL, -- fixed-width UTC, so that it sorts
	ended_at   TEXT
) WITHOUT ROWID;
