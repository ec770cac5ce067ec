"""Sending faxes: one module per backend behind one small interface (`base.Backend`: submit, poll,
cancel), the pure policy that decides which job goes when (`policy`), and the runs that tie them to the
campaign and its log (`run`)."""
