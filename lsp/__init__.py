"""The language server (pygls): the only package that knows LSP types."""
