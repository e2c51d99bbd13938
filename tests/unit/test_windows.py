from pied.editing.windows import fim_window


def words(s: str) -> int:
    return len(s.split())


def test_small_text_fits_whole():
    text = "a b\nc d\ne f\n"
    w = fim_window(text, 5, 100, 100, words)
    assert (w.prefix, w.suffix) == ("a b\nc", " d\ne f\n")
    assert (w.start, w.end) == (0, len(text))


def test_prefix_drops_whole_lines_from_the_top():
    text = "".join(f"w{i} x y\n" for i in range(50)) + "cur"
    w = fim_window(text, len(text), 30, 10, words)
    assert words(w.prefix) <= 30
    assert w.prefix.endswith("cur")
    assert w.start == 0 or text[w.start - 1] == "\n"


def test_suffix_drops_whole_lines_from_the_bottom():
    text = "cur" + "".join(f"\nw{i} x y" for i in range(50))
    w = fim_window(text, 3, 10, 20, words)
    assert words(w.suffix) <= 20
    assert w.suffix.startswith("\nw0")
    assert w.end == len(text) or text[w.end - 1] == "\n"


def test_a_huge_single_line_is_cut_to_its_tail():
    text = "x " * 100_000
    w = fim_window(text, len(text), 50, 50, words)
    assert len(w.prefix) <= 100
