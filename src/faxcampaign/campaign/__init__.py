"""The campaign: its file read safely, validated into a loaded model (with its hours, numbers and
languages), the facts every output states about it, and the starter campaign.

May import: the foundation modules (errors, clock, files, cache, csvfile, urls, outcomes) only."""
