"""What the dashboard tests share besides fixtures: the date range that holds conftest's history."""

RANGE = {"from": "2026-08-01", "to": "2026-09-30"}
