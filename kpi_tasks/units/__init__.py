"""Units: departments, communes and other bodies that receive tasks."""
