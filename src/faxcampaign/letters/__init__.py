"""Letters: sandboxed templates, the Markdown subset, the PDF toolkit (the only importer of reportlab),
fax images through Ghostscript, and rendering many letters in parallel.

May import: schedule, campaign and the foundation modules."""
