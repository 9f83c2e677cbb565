"""A believable demo district: units, users for every role, and the seed directives with their tasks."""
