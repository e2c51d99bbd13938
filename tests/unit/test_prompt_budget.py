"""The prompt time budget: a window too slow to encode on this machine is answered from a
smaller one, and the daemon prepares the full one in the background."""

from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.prompt import CompletionRequest, build_prompt, fit_prompt
from tests.fakes import FakeBackend

TEXT = "".join(f"value_{i} = compute({i}, 'some words to make tokens')\n" for i in range(300))


def request() -> CompletionRequest:
    return CompletionRequest(TEXT, len(TEXT) // 2, path="a.py", key="doc")


def test_a_window_within_the_budget_is_used_whole() -> None:
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain"))
    full = build_prompt(engine.model, engine.settings, request())
    prompt, reduced = fit_prompt(engine.model, engine.settings, request(), lambda toks: 10.0)
    assert not reduced and prompt.tokens == full.tokens


def test_a_window_over_the_budget_shrinks_until_it_fits() -> None:
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain", prompt_budget_ms=300))
    full = build_prompt(engine.model, engine.settings, request())
    prompt, reduced = fit_prompt(
        engine.model, engine.settings, request(), lambda toks: 1.0 * len(toks)
    )
    assert reduced
    assert len(prompt.tokens) <= 300 < len(full.tokens)
    assert prompt.window.suffix and prompt.window.prefix.endswith(TEXT[: len(TEXT) // 2][-20:])


def test_no_budget_means_the_full_window() -> None:
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain", prompt_budget_ms=0))
    _, reduced = fit_prompt(engine.model, engine.settings, request(), lambda toks: 1e9)
    assert not reduced


def test_the_engine_measures_its_speed_and_the_cache_state_counts() -> None:
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain", prompt_budget_ms=50))
    engine.ms_per_token = 1.0  # a slow machine: the full window would take ~1 s
    first = engine.complete(request())
    assert first.window_reduced
    engine.warm(request())  # the background job grows the window...
    second = engine.complete(request())
    assert not second.window_reduced  # ...and the next request needs little encoding
    assert second.prompt_tokens > first.prompt_tokens


def test_a_warm_up_encodes_the_window_a_request_gets_now_then_grows_it_in_steps() -> None:
    from pied.engine.prompt import warm_steps

    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain", prompt_budget_ms=50))
    engine.ms_per_token = 1.0  # the full window would take ~1 s: too slow to ask for now
    estimate = lambda toks: engine.estimate_ms("doc", toks)  # noqa: E731
    steps = warm_steps(engine.model, engine.settings, request(), estimate)
    now, _ = fit_prompt(engine.model, engine.settings, request(), estimate)
    full = build_prompt(engine.model, engine.settings, request())
    assert steps[0].tokens == now.tokens  # first what a request would be answered from
    assert steps[-1].tokens == full.tokens
    sizes = [len(p.tokens) for p in steps]
    assert sizes == sorted(sizes) and len(sizes) == 3  # through a middle-sized window
    synced = []
    real_sync = engine._sync
    engine._sync = lambda key, toks, exact=False: (
        synced.append(len(toks)) or real_sync(key, toks, exact)
    )  # type: ignore[method-assign]
    engine.warm(request())
    assert synced == sizes
    assert engine.cache.staleness("doc") == (None, 0)  # grown exactly: nothing to refresh
    assert not engine.complete(request()).window_reduced  # the full window is ready


def test_the_prompt_names_the_project_before_the_file() -> None:
    """Repo-level FIM models see ``<|repo_name|>name`` and the file's path first; a request
    without a project gets llama.cpp's server's name for one."""
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain"))
    fake = engine.backend

    def head(r: CompletionRequest) -> bytes:
        return fake.detokenize(build_prompt(engine.model, engine.settings, r).tokens)[:60]

    named = CompletionRequest("x = 1\n", 6, path="a.py", repo="shop")
    assert head(named).startswith(b"<|repo_name|>shop\n<|file_sep|>a.py\n<|fim_prefix|>")
    assert head(request()).startswith(b"<|repo_name|>myproject\n<|file_sep|>a.py\n")


def test_a_cached_window_stays_where_a_smaller_one_is_not_much_quicker() -> None:
    # The full window is cached but for a few dozen tokens (typed text and the guard after
    # it): 60 ms to encode. A smaller window would take 40 ms, and the document's cache
    # with it: the full one stays.
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain", prompt_budget_ms=10))
    full = build_prompt(engine.model, engine.settings, request())

    def estimate(toks: list[int]) -> float:
        return 60.0 if toks == full.tokens else 40.0

    prompt, reduced = fit_prompt(engine.model, engine.settings, request(), estimate)
    assert not reduced and prompt.tokens == full.tokens


def test_where_no_window_fits_the_quickest_one_is_used() -> None:
    engine = Engine(FakeBackend("1\n"), Settings(sampling="plain", prompt_budget_ms=10))
    full = build_prompt(engine.model, engine.settings, request())
    prompt, reduced = fit_prompt(
        engine.model, engine.settings, request(), lambda toks: 1.0 * len(toks)
    )
    assert reduced and len(prompt.tokens) * 4 <= len(full.tokens)
