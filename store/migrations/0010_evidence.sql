-- Evidence (佐证材料): files liaisons attach to an item of a month's report. The file
-- itself lives in the files folder beside the database (DB.FilesDir), named by its
-- SHA-256, so one file attached twice is kept once; attached twice to one item it is
-- one row as well. Rows are only added.
CREATE TABLE evidence (
	id       INTEGER PRIMARY KEY,
	plan_id  TEXT NOT NULL,
	unit     TEXT NOT NULL,
	period   TEXT NOT NULL, -- YYYY-MM
	item     TEXT NOT NULL, -- kind:key
	sha256   TEXT NOT NULL, -- hex, the file's name in the files folder
	name     TEXT NOT NULL,
	mime     TEXT NOT NULL,
	size     INTEGER NOT NULL,
	user_id  INTEGER NOT NULL,
	chat_id  INTEGER NOT NULL,
	at       TEXT NOT NULL,
	UNIQUE (plan_id, period, unit, item, sha256)
);
CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
