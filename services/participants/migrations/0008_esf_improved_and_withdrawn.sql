-- ESF+ (docs/reporting.md): the improved labour-market situation six months after leaving
-- (EECR06), and sensitive characteristics erased when their consent is withdrawn.

-- The six-month follow-up's improvements of the situation of a person employed on entry, each
-- with the day it was observed: precarious_to_stable, underemployment_to_full_employment,
-- higher_skilled_job (a job requiring higher competences, skills or qualifications, with more
-- responsibility), promotion. NULL = not asked (older rows, or not sent); {} = asked, none.
ALTER TABLE esf_results ADD COLUMN improvements jsonb;
ALTER TABLE esf_results ADD CONSTRAINT esf_results_improvements_six_months
    CHECK (improvements IS NULL OR stage = 'six_months');

-- A withdrawal of the consent `sensitive_characteristics` erases the sensitive values of every
-- version of the person's entry facts (GDPR Art. 7(3), 17(1)(b)): they are set to NULL and the
-- row is stamped with when. The only change ever made to an `esf_entry` row besides an erasure.
ALTER TABLE esf_entry ADD COLUMN sensitive_erased_at timestamptz;
