"""Placeholder, replaced in the reporters work."""
