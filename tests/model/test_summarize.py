"""Summaries by the real model: spreadsheets (checked numbers) and code."""

import inspect
import json
import textwrap

import pytest

from pied.bench import sheetgen
from pied.config import Settings
from pied.engine.engine import Engine
from pied.engine.summarize import NUMBER, allowed_numbers, summarize
from pied.sheets import reader, tables
from tests.conftest import pied


@pytest.fixture(scope="module")
def engine(backend):
    return Engine(backend, Settings(n_ctx=4096))


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    return sheetgen.generate(tmp_path_factory.mktemp("sheets"), only=["sales_multi"])


def test_a_multi_table_workbook_is_summarized_with_only_checked_numbers(engine, workbooks):
    paths = workbooks
    path = next(p for p in paths if p.name == "sales_multi.xlsx")
    result = summarize(engine, path=path)
    assert [t["range"] for t in result["tables"]] == ["A3:E48", "H3:J15", "A53:B60"]
    assert len(result["facts"]) == 3 and result["facts"][0]["rows"] == 45
    assert result["summary"].startswith("# sales_multi.xlsx")
    assert len(result["summary"].split()) > 20
    sheets = reader.read(path)
    facts = [tables.facts(s, t) for s in sheets for t in tables.detect(s)]
    allowed = allowed_numbers(sheets, facts)
    for token in NUMBER.findall(result["summary"].split("\n", 1)[1]):
        value = float(token.replace(",", "").rstrip("%"))
        close = any(abs(value - a) <= 0.005 * max(1.0, abs(a)) for a in allowed)
        assert close or value / 100 in allowed or token.rstrip("%") in ("", "-"), token


def test_code_is_summarized_as_a_docstring(engine):
    code = textwrap.dedent(inspect.getsource(textwrap.dedent))
    result = summarize(engine, text=code, name="textwrap.py", selection=True)
    text = result["summary"].lower()
    assert len(text.split()) >= 5
    assert any(w in text for w in ("indent", "whitespace", "leading", "margin")), text


def test_encode_sheet_cli_reports_tokens_and_ratios(workbooks, daemon_env):
    paths = workbooks
    path = next(p for p in paths if p.name == "sales_multi.xlsx")
    proc = pied("encode-sheet", str(path), "--json", env=daemon_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    stages = out["stages"]
    assert stages["vanilla"]["ratio"] == 1.0
    assert stages["anchors"]["tokens"] <= stages["vanilla"]["tokens"]
    assert (
        stages["aggregated"]["tokens"] < stages["inverted"]["tokens"] < stages["vanilla"]["tokens"]
    )
    assert "A3:E3" in out["encoding"]["Sales"] or "Region" in out["encoding"]["Sales"]


def test_bad_spreadsheets_are_one_sentence_from_the_cli(tmp_path, daemon_env):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04garbage")
    proc = pied("summarize", str(bad), "--no-daemon", env=daemon_env, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("pied: error: ") and "damaged" in proc.stderr
    assert "Traceback" not in proc.stderr
