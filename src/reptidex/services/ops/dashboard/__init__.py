"""repti-ops' admin dashboard: server-rendered pages for platform administrators
(``docs/ops.md``, "Admin dashboard")."""
