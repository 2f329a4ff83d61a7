"""Readiness reports: the data model and the built-in reporter plugins."""
