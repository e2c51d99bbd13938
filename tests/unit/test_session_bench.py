"""The typing-session bench's pure parts: when the typist waits, what a suggestion saved,
and the request llama-server gets (llama.vim's shape)."""

from __future__ import annotations

from pied.bench.llamaserver import N_PREFIX_LINES, N_SUFFIX_LINES, llama_vim_request
from pied.bench.typist import awaits, kept_chars, pause


def test_the_typist_waits_at_word_ends_and_newlines() -> None:
    typed = "x = f(a)\n"
    waits = [i for i in range(len(typed)) if awaits(typed, i)]
    assert [typed[i] for i in waits] == [" ", "(", ")", "\n"]


def test_kept_characters_are_the_first_lines_prefix_typed_next() -> None:
    typed = "value = compute(x)\nnext()\n"
    at = typed.index("=")  # the keystroke that typed "="
    assert kept_chars(" compute(y)\nmore", typed, at) == len(" compute(")
    assert kept_chars("", typed, at) == 0
    assert kept_chars(" compute(x)\nnext()", typed, at) == len(" compute(x)")  # one line only


def test_the_llama_vim_request_cuts_lines_around_the_cursor() -> None:
    lines = [f"line{i}" for i in range(400)]
    text = "\n".join(lines) + "\n"
    offset = text.index("line300") + 4  # "line|300"
    body = llama_vim_request(text, offset)
    assert body["prompt"] == "line"
    assert body["input_prefix"].splitlines() == lines[300 - N_PREFIX_LINES : 300]
    assert body["input_suffix"].splitlines() == ["300", *lines[301 : 301 + N_SUFFIX_LINES]]
    assert body["cache_prompt"] is True and body["samplers"] == ["top_k", "top_p", "infill"]
    last = llama_vim_request("a = 1\nb", len("a = 1\nb"))
    assert (last["input_prefix"], last["prompt"], last["input_suffix"]) == ("a = 1\n", "b", "\n")


def test_figures_over_files_pool_latencies_and_compare_kept_characters() -> None:
    from pied.bench.session import over_files

    def one(pied_kept: list[int], peer_kept: list[int]) -> dict[str, object]:
        raw = {"latencies": [100.0, 300.0], "kept": pied_kept, "first": 900.0}
        peer = {"latencies": [1000.0, 1200.0], "kept": peer_kept, "first": 2000.0}
        return {"runs": {"pie": {"raw": raw}, "llama_server": {"raw": peer}}}

    out = over_files([one([4, 4], [2, 2]), one([6], [3])])
    assert out["pie"]["kept_chars"] == 14 and out["llama_server"]["kept_chars"] == 7
    assert out["pie"]["kept_vs_llama_server"] == 2.0
    assert out["pie"]["kept_vs_llama_server_interval"] == [2.0, 2.0]
    assert out["pie"]["latency_ms_p50"] == 200.0
    assert out["pie"]["p50_vs_llama_server"] == round(200 / 1100, 3)
    assert out["pie"]["first_suggestion_ms_max"] == 900.0


def test_a_report_over_files_is_made_before_the_raw_records_are_dropped() -> None:
    from pied.bench.session import _with_sessions

    def one(kept: list[int]) -> dict[str, object]:
        raw = {"latencies": [100.0], "kept": kept, "first": 900.0}
        return {"file": "f.py", "keystrokes": 10, "runs": {"pie": {"raw": raw, "p50": 1}}}

    report = _with_sessions({"bench": "session"}, [one([3]), one([4])])
    assert report["summary"]["pie"]["kept_chars"] == 7
    assert all("raw" not in f["runs"]["pie"] for f in report["files"])
    single = _with_sessions({"bench": "session"}, [one([5])])
    assert single["runs"]["pie"] == {"p50": 1} and "summary" not in single


def test_the_typist_opens_a_line_and_retypes_the_block_there() -> None:
    import random

    from pied.bench.typist import plan_session

    lines = [f"    line_{i} = {i}" for i in range(20)]
    text = "\n".join(lines) + "\n"
    removed, offset, typed = plan_session(text, 40, random.Random(0))
    assert typed.startswith("\n") and removed[offset] == "\n"  # at a line's end
    assert text.startswith(removed[:offset] + typed)  # the block as it was, ``keystrokes`` long
    assert len(typed) == 41 and removed[offset:].startswith("\n    line_")


def test_the_runs_with_other_settings_are_known_and_set_them() -> None:
    import tomllib
    from pathlib import Path

    from pied.bench.session import pied_config
    from pied.cli.bench import _session_runs

    assert _session_runs("pie,pie_24,bogus", None) == ("pie", "pie_24")
    capped = tomllib.loads(pied_config("pie_24", Path("/m.gguf"), ""))
    assert capped == {"model": "/m.gguf", "max_tokens": 24}
    assert "max_tokens" not in tomllib.loads(pied_config("pie", None, ""))  # pied's own
    assert _session_runs("pie_whole", None) == ("pie_whole",)
    assert tomllib.loads(pied_config("pie_whole", None, "")) == {"answer_within_ms": 0}


def test_each_pause_is_reported_with_its_answer_and_kept_characters() -> None:
    out = pause(4, (123.456, "x" * 100 + "\nmore"), 7)
    assert out == {"after": 4, "ms": 123.5, "suggestion": "x" * 80, "kept": 7}
