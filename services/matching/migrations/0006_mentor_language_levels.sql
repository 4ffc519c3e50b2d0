-- A mentor's language level (issue 14): accepted with each language since the shape
-- `{code, level}` came, now kept: code -> CEFR level or "native"; a language given as a bare
-- code has no entry (not stated). Matching counts a language as shared only where the mentor's
-- stated level, like the participant's, is at least B1. Not a participant's data.
ALTER TABLE mentor ADD COLUMN language_levels jsonb NOT NULL DEFAULT '{}';
