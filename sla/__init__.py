"""The 48-hour promise: deadlines, the business calendar, reminders and escalations."""
