"""Deadlines as officials count them: recurring occurrences, extension requests, progress tables (milestones)
and one instruction assigned to every unit of a kind."""
