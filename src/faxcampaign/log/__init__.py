"""The campaign's log: the store (the only module that speaks SQL, on SQLite or PostgreSQL), the roster
the log keeps, progress (pure), and returned call sheets read as attempts.

May import: letters, schedule, campaign and the foundation modules."""
