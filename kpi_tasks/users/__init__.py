"""User accounts as the admin keeps them: placed in units, given roles, locked, their passwords reset."""
