"""Pages: reading, editing, history."""
