-- How an answer came in (chat, carried over from an earlier month, a spreadsheet), and
-- whether its "what was done" text is an earlier month's, carried unchanged: leaders see
-- such text marked 同上月 rather than taking it for this month's words.
ALTER TABLE answers ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE answers ADD COLUMN done_carried INTEGER NOT NULL DEFAULT 0;
