"""repti-ops' tables and stores: the audit trail."""
