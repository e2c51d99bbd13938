"""The one error type of the models layer."""


class ModelError(Exception):
    """A model is missing, corrupt, failed to load, or a backend call failed.

    The message is one sentence a user can act on.
    """
