"""Every mail the system sends (verification, badge, staff invitation, tickets): one
intent-and-outcome record per mail and one exactly-once path (models/mail/intents.py)."""
