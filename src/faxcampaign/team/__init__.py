"""The team: volunteers, signers, and the rota that spreads their calls over the offices' hours.

May import: log, letters, schedule, campaign and the foundation modules."""
