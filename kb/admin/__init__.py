"""Administration: users, roles and the audit log."""
