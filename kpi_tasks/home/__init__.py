"""Home pages by role."""
