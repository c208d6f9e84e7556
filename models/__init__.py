"""SQLModel tables, the engine and sessions, and the queries every stage shares."""
