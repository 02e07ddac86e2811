"""Local implementations of the ports: SQLite, a directory, an in-process queue, the log."""
