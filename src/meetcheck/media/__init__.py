"""Audio for the test meeting and the channel checks: identity and timing marks, the
generated test programme, level measurements, and an Opus round trip for tests.

Nothing is imported here on purpose: these modules need numpy and PyAV, and
``meetcheck --help`` must not pay for them. Import the submodules where they are used.
"""
