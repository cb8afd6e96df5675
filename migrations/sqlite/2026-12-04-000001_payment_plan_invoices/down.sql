DROP TABLE payment_plan_invoices;
