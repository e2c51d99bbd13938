"""What the ``pied bench`` commands do: run a benchmark, print and save its JSON report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pied.cli.commands import CliError, settings_from, token_counter


def cmd_bench_backend(args: argparse.Namespace) -> int:
    from pied.bench import backend as bench_backend

    settings = settings_from(args)
    report = bench_backend.run(
        settings,
        contexts=args.contexts,
        gen_tokens=args.gen_tokens,
        repeats=args.repeats,
        flash_attn=args.flash_attn,
    )
    return _write_report(report, args.json)


def cmd_bench_pie(args: argparse.Namespace) -> int:
    from pied.bench import pie

    report = pie.run(
        settings_from(args),
        corpus=Path(args.corpus) if args.corpus else None,
        cases=args.cases,
        context=args.context,
        edits=args.edits.split(","),
        seed=args.seed,
        near=args.near,
        progress=lambda line: print(line, file=sys.stderr),
    )
    return _write_report(report, args.json)


def cmd_bench_restore(args: argparse.Namespace) -> int:
    from pied.bench import restore

    report = restore.run(
        settings_from(args),
        corpus=Path(args.corpus) if args.corpus else None,
        files=args.files,
        tokens=args.tokens,
        kv_dir=Path(args.kv_dir) if args.kv_dir else None,
    )
    return _write_report(report, args.json)


def cmd_bench_alternatives(args: argparse.Namespace) -> int:
    from pied.bench import alternatives

    report = alternatives.run(
        settings_from(args),
        data=Path(args.data) if args.data else None,
        per_split=args.per_split,
        seed=args.seed,
        progress=lambda line: print(line, file=sys.stderr),
    )
    return _write_report(report, args.json)


def cmd_bench_fim(args: argparse.Namespace) -> int:
    from pied.bench import fim

    modes = fim.parse_modes(args.mode)
    report = fim.run(
        settings_from(args),
        data=Path(args.data) if args.data else None,
        modes=modes,
        split=args.split,
        limit=args.limit,
        seed=args.seed,
        progress=lambda line: print(line, file=sys.stderr),
        examples=Path(args.examples) if args.examples else None,
        shapes=args.shapes.split(",") if args.shapes else None,
        against_local=not args.no_local,
        llama_server=_llama_server(args.against_llama_server),
    )
    return _write_report(report, args.json)


def cmd_bench_next_edit(args: argparse.Namespace) -> int:
    from pied.bench import nextedit

    settings = settings_from(args)
    if args.min_logprob is not None:
        settings = settings.replace(next_edit_min_logprob=args.min_logprob)
    if args.guess_tokens is not None:
        settings = settings.replace(next_edit_guess_tokens=args.guess_tokens)
    report = nextedit.run(
        settings,
        data=Path(args.data) if args.data else None,
        modes=tuple(x.strip() for x in args.mode.split(",") if x.strip()),
        limit=args.limit,
        progress=lambda line: print(line, file=sys.stderr),
        examples=Path(args.examples) if args.examples else None,
    )
    return _write_report(report, args.json)


def cmd_bench_edits_from_git(args: argparse.Namespace) -> int:
    from pied.bench import gitedits

    repo, out = Path(args.repo), Path(args.out)
    if not (repo / ".git").exists():
        raise CliError(f"{repo} is not a git repository (it has no .git)")
    rows = gitedits.rows_from_git(repo, suffix=args.suffix, limit=args.limit)
    n = gitedits.write_rows(rows, out)
    print(f"{n} rows from {repo} in {out}", file=sys.stderr)
    return 0 if n else 1


def _llama_server(binary: str | None) -> Path | None:
    """The ``--against-llama-server`` binary, checked."""
    if not binary:
        return None
    if not Path(binary).is_file():
        raise CliError(f"{binary} is not a llama-server binary (make engine-server builds one)")
    return Path(binary)


def cmd_bench_session(args: argparse.Namespace) -> int:
    from pied import paths
    from pied.bench import session
    from pied.models import autochoice, store

    server = _llama_server(args.against_llama_server)
    settings = settings_from(args)
    name = autochoice.concrete(settings.model, paths.models_dir(), settings.latency_target_ms)
    model = store.resolve(name, paths.models_dir())  # pied's and llama-server's, the same
    report = session.run(
        corpus=Path(args.corpus) if args.corpus else None,
        keystrokes=args.keystrokes,
        seed=args.seed,
        file_tokens=args.file_tokens,
        runs=("pied_serve",)
        if args.client == "llama.vim"
        else _session_runs(args.runs, args.engine_url),
        read_s=args.read_s,
        against_llama_server=server,
        model=model,
        engine_url=args.engine_url or "",
        files=args.files,
        busy=args.busy,
    )
    return _write_report(report, args.json)


def _session_runs(spec: str, engine_url: str | None) -> tuple[str, ...]:
    """The runs asked for; with an engine, its run too (beside the local ones)."""
    known: tuple[str, ...] = ("pie", "no_pie", "pie_next_edit", "pie_all_threads", "pie_24")
    known += ("pie_whole", "pie_wide", "engine")
    runs = [r for r in spec.split(",") if r in known] or ["pie"]
    if engine_url and "engine" not in runs:
        runs.append("engine")
    return tuple(runs)


def cmd_bench_soak(args: argparse.Namespace) -> int:
    from pied.bench import soak

    report = soak.run(
        minutes=args.minutes,
        seed=args.seed,
        corpus=Path(args.corpus) if args.corpus else None,
    )
    return _write_report(report, args.json)


def cmd_bench_sheet(args: argparse.Namespace) -> int:
    from pied.bench import sheet as bench_sheet
    from pied.bench import sheetgen

    files = [Path(f) for f in args.files]
    if args.generate:
        files += sheetgen.generate(Path(args.generate), seed=args.seed)
    if not files:
        raise CliError("give --files, --generate DIR, or both")
    count = token_counter(settings_from(args))
    truth_dir = Path(args.truth_dir) if args.truth_dir else None
    return _write_report(bench_sheet.run(files, count, truth_dir), args.json)


def cmd_bench_translate(args: argparse.Namespace) -> int:
    from pied.bench import translate as bench_translate

    modes = args.modes.split(",")
    unknown = sorted(set(modes) - set(bench_translate.MODES))
    if unknown:
        raise CliError(f"unknown modes {unknown}; choose from {', '.join(bench_translate.MODES)}")
    langs = args.langs.split(",")
    if args.suite == "real":
        try:
            tasks = bench_translate.real_tasks(langs, args.limit)
        except (OSError, ValueError) as e:
            raise CliError(f"the real-function set cannot be read: {e}") from e
        label = "real functions (bench/realfuncs.py)"
    elif not args.data:
        raise CliError("give --data (the humaneval-x directory), or --suite real")
    else:
        tasks = bench_translate.humaneval_tasks(Path(args.data), langs, args.limit, args.examples)
        label = args.data
    report = bench_translate.run(
        settings_from(args),
        tasks=tasks,
        modes=modes,
        label=label,
        examples=args.examples,
        results_file=Path(args.tasks) if args.tasks else None,
        progress=lambda line: print(line, file=sys.stderr),
    )
    return _write_report(report, args.json)


def _write_report(report: dict[str, Any], out: str | None) -> int:
    text = json.dumps(report, indent=2)
    if out and out != "-":
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")
        print(f"wrote {out}", file=sys.stderr)
    print(text)
    return 0
