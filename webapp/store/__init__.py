"""The case store and the rule data the engine reads: the rows kept in step with a case (state, timeline,
task index and inbox queue, deadlines, outbox, evidence), pack versions, calendars and the audit log.
The use cases call it; it never commits on its own."""
