"""The one error type of the spreadsheet library."""


class SheetError(ValueError):
    """A file that cannot be read as a spreadsheet, said in one sentence."""
