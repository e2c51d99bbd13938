"""The one error type of translation."""

from pied.errors import BadInput


class TranslateError(BadInput):
    """Input pied cannot translate, in one sentence."""
