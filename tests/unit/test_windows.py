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


def test_the_prefix_starts_on_a_line_of_the_grid_and_stays_there_as_the_user_types():
    # Typing at the cursor does not move the window's first line (its tokens stay cached)
    # until the prefix outgrows the budget there; then it moves by whole grid steps.
    from pied.editing.windows import START_EVERY_LINES

    text = "".join(f"w{i} x y\n" for i in range(200))
    starts = set()
    for typed in range(1, 40):
        doc = text + "z " * typed
        w = fim_window(doc, len(doc), 300, 10, words)
        assert words(w.prefix) <= 300
        line = doc.count("\n", 0, w.start)
        assert line % START_EVERY_LINES == 0
        starts.add(w.start)
    assert len(starts) <= 2  # 39 keystrokes: at most one move
    # The grid costs the window less than one step of lines (3 words each here).
    assert 300 - words(fim_window(text, len(text), 300, 10, words).prefix) < START_EVERY_LINES * 3


def test_without_a_grid_line_that_fits_whole_lines_are_dropped():
    text = "".join(f"w{i} " * 40 + "\n" for i in range(20)) + "cur"
    w = fim_window(text, len(text), 50, 10, words)
    assert words(w.prefix) <= 50 and w.prefix.endswith("cur")
