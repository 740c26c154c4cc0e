"""Weight initialisers: uniform_, normal_, xavier_*, kaiming_*, orthogonal_ ... (nn issue)."""
