-- The relay is woken in-process when a transaction that wrote to the outbox commits, and polls
-- for the rest. A NOTIFY per commit took a database-wide lock at every commit: measured, it
-- cost a quarter of PostgreSQL's CPU per event under load (docs/benchmarks.md).
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
