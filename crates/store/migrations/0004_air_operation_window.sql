-- The plan probe on filing looks for active plans whose window overlaps the new one. Plans that
-- ended before the new one starts are the bulk of a long deployment; an index on the window's
-- end skips them.
CREATE INDEX air_operation_by_window_end ON air_operation(window_end);
