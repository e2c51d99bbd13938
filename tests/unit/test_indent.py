from pied.editing.indent import convert, detect_unit, indent_width


def test_width_counts_tabs_to_tab_stops():
    assert indent_width("    x") == 4
    assert indent_width("\tx") == 4
    assert indent_width("  \tx") == 4
    assert indent_width("x") == 0


def test_detect_unit():
    assert detect_unit("def f():\n    if x:\n        y\n") == "    "
    assert detect_unit("function f() {\n  if (x) {\n    y;\n  }\n}\n") == "  "
    assert detect_unit("func f() {\n\tif x {\n\t\ty\n\t}\n}\n") == "\t"
    assert detect_unit("x = 1\n") == "    "


def test_convert_keeps_a_continued_first_line():
    assert convert("    + 1\n    y", "\t", first_line_is_indent=False) == "    + 1\n\ty"
