"""Reminders and the in-app notification centre: scan deadlines, notify, deliver by e-mail, report."""
