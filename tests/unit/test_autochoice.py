"""``model = "auto"``: the largest installed model fast enough here, measured once."""

from pathlib import Path

import pytest

from pied.models import autochoice, store
from pied.models.autochoice import Speed


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Both catalog models "installed" (files of their sizes, not verified)."""
    monkeypatch.delenv(autochoice.ENV, raising=False)
    for spec in store.CATALOG.values():
        path = tmp_path / spec.filename
        with open(path, "wb") as f:
            f.truncate(spec.size)
    monkeypatch.setattr(
        store,
        "list_installed",
        lambda d: [
            store.InstalledModel(s.name, d / s.filename, s.size, True)
            for s in store.CATALOG.values()
        ],
    )
    return tmp_path


def test_the_larger_model_when_fast_enough(models: Path) -> None:
    calls: list[Path] = []

    def measure(path: Path) -> Speed:
        calls.append(path)
        return Speed(prefill_tok_s=200.0, decode_tok_s=40.0)

    name, why = autochoice.choose(models, 1000.0, measure)
    assert name == "1.5b" and "ms" in why
    assert Speed(200.0, 40.0).suggestion_ms < 1000
    # Measured once: the second choice reads the cache.
    assert autochoice.choose(models, 1000.0, measure)[0] == "1.5b"
    assert len(calls) == 1


def test_a_slow_machine_keeps_the_small_model(models: Path) -> None:
    name, _ = autochoice.choose(models, 1000.0, lambda p: Speed(30.0, 8.0))
    assert name == "0.5b"


def test_a_measurement_that_rules_a_model_out_is_taken_again_and_the_fastest_kept(
    models: Path,
) -> None:
    """A busy machine at the first load does not keep the better model out for good."""
    speeds = iter([Speed(30.0, 2.0), Speed(200.0, 40.0), Speed(10.0, 1.0)])
    calls: list[Path] = []

    def measure(path: Path) -> Speed:
        calls.append(path)
        return next(speeds)

    assert autochoice.choose(models, 1000.0, measure)[0] == "0.5b"
    assert autochoice.choose(models, 1000.0, measure)[0] == "1.5b"
    assert autochoice.choose(models, 1000.0, measure)[0] == "1.5b"  # cached, fast enough
    assert len(calls) == 2
    spec = store.CATALOG["1.5b"]
    kept = autochoice.cached(models, models / spec.filename)
    assert kept is not None and kept.tries == 2 and kept.decode_tok_s == 40.0


def test_a_model_too_slow_every_time_is_measured_at_most_three_times(models: Path) -> None:
    calls: list[Path] = []

    def measure(path: Path) -> Speed:
        calls.append(path)
        return Speed(30.0, 2.0)

    for _ in range(5):
        assert autochoice.choose(models, 1000.0, measure)[0] == "0.5b"
    assert len(calls) == autochoice.MEASURE_TRIES


def test_too_little_memory_keeps_the_small_model(
    models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(autochoice, "available_memory", lambda: 1 << 30)
    measured: list[Path] = []
    name, _ = autochoice.choose(models, 1000.0, lambda p: measured.append(p) or Speed(1e3, 1e3))
    assert name == "0.5b" and not measured


def test_doctor_does_not_measure(models: Path) -> None:
    assert autochoice.choose(models, 1000.0, None)[0] == "0.5b"


def test_a_pinned_model_and_a_named_one(models: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert autochoice.concrete("0.5b", models, 1.0) == "0.5b"
    assert autochoice.concrete("/x/y.gguf", models, 1.0) == "/x/y.gguf"
    monkeypatch.setenv(autochoice.ENV, "0.5b")
    assert autochoice.concrete("auto", models, 1e9) == "0.5b"


def test_nothing_installed_names_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(autochoice.ENV, raising=False)
    assert autochoice.choose(tmp_path, 1000.0)[0] == store.DEFAULT_MODEL
