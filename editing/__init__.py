"""Text, positions, edits, context windows and the rules that end a completion.

Pure Python: nothing here knows about models, the daemon or LSP.
"""
