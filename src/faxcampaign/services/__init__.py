"""One function per thing a user does, with a typed request and a typed result: the layer both front
ends call. No click, no printing, no exit.

May import: send, team, log, letters, schedule, campaign and the foundation modules."""
