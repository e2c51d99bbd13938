"""Spreadsheets for a small model: reading, SheetCompressor encodings, tables and facts.

After SpreadsheetLLM (Dong et al.): vanilla encoding, structural-anchor extraction,
inverted-index translation and data-format-aware aggregation. Pure: no model here.
"""
