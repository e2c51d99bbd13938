"""The one error type of translation."""


class TranslateError(ValueError):
    """Input pied cannot translate, in one sentence."""
