-- The inbox is purged by age (voimala_kit.retention): find the oldest rows without a scan.
CREATE INDEX IF NOT EXISTS inbox_processed_at ON inbox (processed_at);
