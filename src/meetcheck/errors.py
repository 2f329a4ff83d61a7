"""Errors that end a run with exit code 2 and one clear line, never a traceback."""


class InputError(Exception):
    """Bad user input (profile, meeting file, roster, audio file, URL).

    The message names the file and the key, row or line so the user can fix it.
    """

    exit_code = 2


class SkipCheck(Exception):
    """Raised inside a check to end it as SKIPPED with a reason (missing endpoint etc.)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason  # kept as given: a translated Text stays translatable
