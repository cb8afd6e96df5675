DROP TABLE daemon_secrets;
DROP TABLE self_service_requests;
DROP TABLE self_service_links;
