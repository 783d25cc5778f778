-- A concurrence or objection answers one version of a strike notice: an amendment reopens the
-- review and earlier answers no longer count (the protect journal already judges so). Recording
-- the version answered lets readers show which answers are current. Reviews stored before this
-- migration answered version 1 unless the notice had been amended since; that case cannot be
-- told apart from the table alone, so they keep the default and read as answers to version 1.
ALTER TABLE strike_review ADD COLUMN notice_version INTEGER NOT NULL DEFAULT 1;
