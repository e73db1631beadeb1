"""The staff console (issue 9): accounts and roles, sessions, and the pages served by the gateway."""
