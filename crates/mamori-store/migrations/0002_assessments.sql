-- Answers to the guideline's questionnaires: the 25-item self-assessment, the cloud-services
-- checklist (one per cloud service, named in `subject`) and the executives' checklist.
-- `answers` is JSON keyed by item number; `edition` is the catalog edition answered
-- (`ipa-sme-3.1`). A row with `completed_at` NULL is the organisation's draft for that
-- questionnaire and subject; completed rows are never changed again and form the history.
CREATE TABLE answer_sets (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    edition TEXT NOT NULL,
    answers TEXT NOT NULL,
    completed_at BIGINT,
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX answer_sets_by_org ON answer_sets (org_id, kind, subject, completed_at);
-- At most one draft per organisation, questionnaire and subject.
CREATE UNIQUE INDEX answer_sets_one_draft ON answer_sets (org_id, kind, subject)
    WHERE completed_at IS NULL;

-- The five basic rules acknowledged by someone at the organisation (SECURITY ACTION one star).
CREATE TABLE rule_acknowledgements (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    edition TEXT NOT NULL,
    acknowledged_by TEXT REFERENCES users (id),
    acknowledged_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, edition)
);
