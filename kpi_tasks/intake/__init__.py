"""Directive intake: read a directive (.docx, .pdf, .txt) and propose the tasks it assigns.

`parser.parse_directive` turns the text into draft tasks (the reading steps live in `text`, `header`,
`paragraphs`, `sections`, `drafts`, `unit_phrases`, `deadlines`, `kpis`, `preamble` and `appendix`),
`readers.read_text` gets the text out of an uploaded file, `unit_matching` resolves the unit names against
the recorded units, and `commands.parse_directive_command` is the `kpi-tasks parse-directive` command.
The office's review of the drafts and their confirmation are `services` (with `models.IntakeDraft`),
behind the pages of `views`.
"""
