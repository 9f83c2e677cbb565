"""A believable demo province: units, users for every role, and the seed directives with their tasks."""
