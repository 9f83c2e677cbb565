"""The documents the committee issues: who issues them and how they look.

models.py the document identity (issuing body, place, office, symbols, signers and recipients per kind) and
the templates an admin uploaded; identity.py reading and changing the identity, with its change log;
kinds.py the kinds of Word document; word.py rendering a kind's .docx template (docxtpl);
build_templates.py the script that lays out the shipped templates (word/*.docx); pdf.py LibreOffice's
PDF rendition; appendix.py the one writer of every Excel file (exports, appendices, import templates);
downloads.py sending a generated file, or its PDF; views.py the admin's pages.
"""
