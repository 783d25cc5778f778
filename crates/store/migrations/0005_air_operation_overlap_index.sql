-- The plan probe's overlap filter (window_end >= start, window_start <= end, another party,
-- not cancelled) is evaluated entirely inside this index, so only plans that really overlap
-- are read from the table. With many parties filing at once, the window-end index of
-- migration 4 alone still looked up hundreds of rows per filing.
DROP INDEX air_operation_by_window_end;
CREATE INDEX air_operation_overlap ON air_operation(window_end, window_start, party, status);
