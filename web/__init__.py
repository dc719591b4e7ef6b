"""Read-only web dashboard: sites' health, reports, versions and diffs, indicator trends."""
