"""The peer baseline of ``pied bench fim`` and its new splits (pure parts)."""

import random
from pathlib import Path

from pied.bench import fimcases
from pied.bench.metrics import bootstrap_interval, bootstrap_ratio
from pied.bench.peer import infill_body, peer_trim

DATA = Path(__file__).parents[3] / "shared/data/human-eval-infilling"


def test_the_peer_cuts_where_the_output_runs_into_the_suffix():
    suffix = "rn abs(a % 10) * abs(b % 10)\n"
    assert peer_trim("    return abs(a % 10) * abs(b % 10)", suffix) == "    retu"


def test_the_peer_cuts_at_the_suffix_first_line_written_whole():
    suffix = "\n    return total\n"
    assert peer_trim("x = 1\n    return total\n", suffix) == "x = 1"  # (its 12 first)
    assert peer_trim("x = 1\n  return total\n", suffix) == "x = 1\n"


def test_the_peer_keeps_an_output_that_never_meets_the_suffix():
    assert peer_trim("x = 1\ny = 2", "\n    return total\n") == "x = 1\ny = 2"


def test_the_peer_does_not_tolerate_blanks():
    # The plain rule is exact: pied's meeting is not (tests/unit/test_meeting.py).
    suffix = "(n + 1)) // 2\n"
    assert peer_trim("n * (n+1)) // 2", suffix) == "n * (n+1)) // 2"


def test_the_infill_request_is_greedy_and_bounded():
    body = infill_body("a", "b")
    assert body["input_prefix"] == "a" and body["input_suffix"] == "b"
    assert body["top_k"] == 1 and body["n_predict"] == 128


def test_whole_lines_cut_the_body_and_keep_the_program():
    problems = fimcases.load_problems(DATA / "HumanEval-RandomSpanInfillingLight.jsonl.gz")[:30]
    rng = random.Random(0)
    made = [fimcases.whole_lines(p, rng) for p in problems]
    cases = [c for c in made if c is not None]
    assert len(cases) >= 25
    for case, original in zip(cases, problems, strict=False):
        whole = original.prefix + original.middle + original.suffix
        assert case.prefix + case.middle + case.suffix == whole
        assert case.middle.strip() and case.prefix.endswith((" ", "\n", "\t"))
        assert case.suffix.startswith("\n")


def test_intervals():
    assert bootstrap_interval([1.0] * 10) == (1.0, 1.0)
    low, high = bootstrap_interval([0.0, 100.0] * 20)
    assert low < 50 < high
    low, high = bootstrap_ratio([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert low == high == 2.0


def test_bodies_sit_among_other_programs_and_their_solutions_pass():
    from pied.bench.fim import run_tests

    problems = fimcases.load_problems(DATA / "HumanEval-RandomSpanInfillingLight.jsonl.gz")
    cases = fimcases.bodies_among_functions(problems, random.Random(0))
    assert len(cases) == len(problems) == 164  # one per task
    for case in cases[:20]:
        assert case.prefix.endswith(" ") and not case.prefix.endswith("\n ")  # at the indent
        assert case.prefix.count("\ndef ") >= 1 and case.suffix.count("\ndef ") >= 2
        assert f"def {case.entry_point}(" in case.prefix
    for case in cases[:3]:
        tail = f"{case.suffix}\n\n{case.test}\n\ncheck({case.entry_point})\n"
        assert run_tests(case.prefix + case.middle + tail)  # the task's own body passes
        assert not run_tests(case.prefix + "pass" + tail)  # and the tests can fail
