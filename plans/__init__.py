"""Plan documents in, draft plan out: tables, deadlines, units and people."""
