"""What the README promises to users, written once for the tests that check it."""

SUMMARY_COLUMNS = ["group", "label", "label_zh", "count", "share", "points_lost", "forms", "example"]
"""The first columns of a cause summary (`piancha summary`, /v1/stats/causes), in README order."""
