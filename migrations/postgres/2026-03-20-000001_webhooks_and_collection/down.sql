-- Reverts up.sql. Messages to collection partners are deleted, and case states that the old
-- schema does not know become the nearest old state.

DROP TABLE collection_case_updates;
DROP TABLE collection_partners;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_secrets;
DROP TABLE webhook_endpoints;

DROP INDEX collection_cases_tenant_idx;
UPDATE collection_cases SET state = 'handed_over'
WHERE state IN ('acknowledged', 'paid_to_agency');
UPDATE collection_cases SET state = 'returned' WHERE state = 'recalled';
ALTER TABLE collection_cases DROP CONSTRAINT collection_cases_state_check;
ALTER TABLE collection_cases ADD CONSTRAINT collection_cases_state_check
    CHECK (state IN ('preparing', 'handed_over', 'returned', 'closed'));

DELETE FROM outbox WHERE kind = 'collection';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('email', 'webhook'));
