"""Good practices as partners use them: practices like a given one, practices found by meaning, where each
travelled (transfers) and the catalogue in the Interreg Europe good-practice template."""
