"""The pluggy markers; a module of its own so plugins can import them without the manager."""

import pluggy

PROJECT = "meetcheck"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
