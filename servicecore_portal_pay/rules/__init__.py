"""Pure rules: no ORM, no I/O. Models turn ledger rows into these values and book the results."""
