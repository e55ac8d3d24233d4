"""Routing rules, assignment settings and escalation tables (filled in by the routing work)."""
