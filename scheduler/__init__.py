"""When to remind whom, the durable outbox and the sender that paces delivery."""
