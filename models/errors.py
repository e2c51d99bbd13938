"""The one error type of the models layer."""

from pied.errors import Code, PiedError


class ModelError(PiedError):
    """A model is missing, corrupt, failed to load, or a backend call failed.

    The message is one sentence a user can act on.
    """

    code = Code.MODEL
