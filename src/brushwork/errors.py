"""Errors a user can act on. The CLI prints their message on one line and exits non-zero."""


class BrushworkError(Exception):
    """A problem with the user's input, settings or environment, worded for the user."""


class Cancelled(BrushworkError):
    """The run was cancelled; `image` holds the last image reached (or None)."""

    def __init__(self, image=None):
        super().__init__("cancelled")
        self.image = image


def suggest(name: str, known) -> str:
    """' (did you mean X?)' for the closest known names, or a list of all of them."""
    import difflib

    known = list(known)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        return f" (did you mean {', '.join(close)}?)"
    return f" (known: {', '.join(known)})"
