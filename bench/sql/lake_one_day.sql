-- The generated store's events and spans as if ingested in one day: each
-- row's time moved from the 28 days after {t0} into the day after {day0}
-- (order and durations kept), read from the store attached as `hot`.  What
-- a running export commits: an interval's rows, of one day.
CREATE VIEW events AS
SELECT * REPLACE (time_ns + shift AS time_ns, received_ns + shift AS received_ns)
FROM (SELECT *, {day0} + (time_ns - {t0}) // 28 - time_ns AS shift FROM hot.events);
CREATE VIEW spans AS
SELECT * REPLACE (start_ns + shift AS start_ns, end_ns + shift AS end_ns,
                  received_ns + shift AS received_ns)
FROM (SELECT *, {day0} + (start_ns - {t0}) // 28 - start_ns AS shift FROM hot.spans);
