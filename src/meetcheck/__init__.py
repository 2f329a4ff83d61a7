"""meetcheck: readiness checks for remote meetings with simultaneous interpretation."""

__version__ = "0.1.0"
