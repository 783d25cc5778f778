-- The plan probe on filing (which active plans of other parties overlap the new one in time?)
-- is an interval-overlap query. The B-tree index of migration 5 can bound only one side of it
-- (window_end >= start), so every plan that ends after the new one starts was visited — with
-- many parties filing ahead of the present, hundreds of index entries per filing, half of the
-- writer's time in `jic bench api`. An R*Tree answers interval overlap in O(log n + k).
--
-- Coordinates are whole minutes since the Unix epoch (rtree_i32), widened by one minute on each
-- side and clamped to the 32-bit range, so the R*Tree only ever returns a superset of the
-- overlapping plans; the exact RFC 3339 text comparison still decides (state.rs).
-- `op_rowid` is the air_operation row's rowid, which an upsert keeps.
CREATE VIRTUAL TABLE air_operation_window USING rtree_i32(op_rowid, start_min, end_min);

INSERT INTO air_operation_window (op_rowid, start_min, end_min)
    SELECT rowid,
           COALESCE(max(min(unixepoch(window_start) / 60 - 1, 2147483647), -2147483648),
                    -2147483648),
           COALESCE(max(min(unixepoch(window_end) / 60 + 1, 2147483647), -2147483648),
                    2147483647)
    FROM air_operation
    WHERE window_start IS NOT NULL AND window_end IS NOT NULL;

DROP INDEX air_operation_overlap;
