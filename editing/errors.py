"""The one error type of the editing layer."""

from pied.errors import BadInput


class EditingError(BadInput):
    """A position or an edit does not fit the document (out of range, overlapping, ...)."""
