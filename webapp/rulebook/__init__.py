"""The rule book: packs and their versions in the database, drafts, validation, examples, publication
under four eyes, moving running cases to a new version, copying, exporting and importing packs.

Modules by what they own: `packindex` (the index and the version in force), `checking` (a file set
through the engine: problems and example results), `drafts` (draft use cases and who may do what),
`examples_table` (examples as an editable table, CSV and Excel import), `moving` (running cases and a
new version), `transfer` (copy, export, import, a bureau put on a pack), `auditlog` (what the
auditor reads).
"""
