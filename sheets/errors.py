"""The one error type of the spreadsheet library."""

from pied.errors import BadInput


class SheetError(BadInput):
    """A file that cannot be read as a spreadsheet, said in one sentence."""
