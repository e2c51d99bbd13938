"""The one error type of the editing layer."""


class EditingError(ValueError):
    """A position or an edit does not fit the document (out of range, overlapping, ...)."""
