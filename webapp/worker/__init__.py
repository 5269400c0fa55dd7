"""The background worker: timers due, reminders, district reports, calendar recounts, evidence sweeps."""
