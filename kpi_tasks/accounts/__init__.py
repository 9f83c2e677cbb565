"""Users, roles, API tokens and the one permission policy that pages and the API both ask."""
