"""pied: a local code-model daemon for editors.

The product's folders install as subpackages of this one import name:
``pied.models`` (inference), ``pied.editing`` (text, edits, stop rules),
``pied.daemon`` (the resident engine), ``pied.lsp`` (the language server).
"""

__version__ = "0.1.0"
