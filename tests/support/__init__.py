"""Helpers shared by the test modules (the pytest docs advise against importing conftest)."""
