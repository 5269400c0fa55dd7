"""The rule book: drafts of rule packs, their checks and examples, approval and publication, transfer
between databases, and moving running cases to a new version."""
