"""User accounts: the users table, sign-up and password checks, Firebase sign-in."""
