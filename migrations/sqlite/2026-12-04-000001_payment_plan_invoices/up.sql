-- The invoices a payment plan covers. While the plan is active these invoices are not reminded;
-- the account's other invoices are. The PostgreSQL twin of this file declares the same table.

CREATE TABLE payment_plan_invoices (
    plan_id BIGINT NOT NULL REFERENCES payment_plans (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (plan_id, invoice_id)
);
CREATE INDEX payment_plan_invoices_invoice_idx ON payment_plan_invoices (invoice_id);
