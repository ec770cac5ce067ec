"""Sending faxes: one module per backend behind one small interface (`base.Backend`: submit, poll,
cancel), chosen by URL in `backends`; the pure policy that decides which job goes when (`policy`); and the
runs that tie them to the campaign and its log (`run`).

May import: team, log, letters, schedule, campaign and the foundation modules."""
