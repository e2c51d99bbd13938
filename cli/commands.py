"""What the ``pied`` commands do (the parser is in ``pied.cli.main``)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pied import config, paths
from pied.errors import BadInput

if TYPE_CHECKING:
    from pied.models.store import ModelSpec


class CliError(BadInput):
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
    """Install the model named, or every catalog model (``model = "auto"`` picks among them)."""
    from pied.models import store

    names = [args.name] if args.name else list(store.CATALOG)
    for name in names:
        _install_one(store.spec_for(name), args)
    return 0


def _install_one(spec: ModelSpec, args: argparse.Namespace) -> None:
    from pied.models import store

    target = paths.models_dir() / spec.filename
    if not args.force and target.is_file() and store.verify(target, spec):
        print(f"{spec.name}: already installed at {target}")
        return
    print(f"Installing {spec.title} ({spec.size >> 20} MiB) into {target.parent}", file=sys.stderr)
    path = store.install(
        spec,
        paths.models_dir(),
        wheels=Path(args.wheels) if args.wheels else None,
        force=args.force,
        progress=_progress_printer(spec.name),
    )
    print(f"{spec.name}: installed at {path}")


def cmd_model_list(args: argparse.Namespace) -> int:
    from pied.models import store

    installed = {m.name: m for m in store.list_installed(paths.models_dir())}
    settings = config.load()
    for spec in store.CATALOG.values():
        m = installed.get(spec.name)
        state = "not installed"
        if m is not None:
            state = f"installed, {m.size >> 20} MiB" + ("" if m.verified else " (unverified)")
        default = " (configured)" if settings.model.lower() == spec.name else ""
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


def settings_from(args: argparse.Namespace) -> config.Settings:
    overrides = {
        "model": getattr(args, "model", None),
        "multiline": getattr(args, "multiline", None),
        "max_tokens": getattr(args, "max_tokens", None),
        "sampling": getattr(args, "sampling", None),
        "engine_url": getattr(args, "engine_url", None),
    }
    return config.load(overrides)


def cmd_complete(args: argparse.Namespace) -> int:
    from pied.editing.linerest import replaced_rest
    from pied.editing.positions import offset_at, position_utf16
    from pied.editing.source import read_source

    path, line, col = parse_location(args.location)
    text = read_source(path)
    offset = offset_at(text, line, col)
    # The whole middle: no editor is there to show the rest as it is written.
    settings = settings_from(args).replace(answer_within_ms=0)
    if args.model or args.context or args.no_daemon or args.engine_url:
        result = _complete_here(settings, text, offset, path, args.context)
    else:
        from pied.daemon import lifecycle
        from pied.daemon.client import call
        from pied.daemon.messages import Complete

        lifecycle.start()
        lsp_line, lsp_char = position_utf16(text, offset)
        overrides = {k: v for k, v in vars(settings).items() if k in config.REQUEST_SETTINGS}
        ask = Complete(path.resolve().as_uri(), text, lsp_line, lsp_char, 1, overrides)
        result = call(lifecycle.socket_path(), ask)
    if args.json:
        keys = ("text", "prompt_tokens", "generated_tokens", "latency_ms", "model")
        out = {k: result[k] for k in keys}
        out["replaces"] = replaced_rest(text, offset, str(result["text"]))
        print(json.dumps(out, ensure_ascii=False))
    else:
        text_out = result["text"]
        sys.stdout.write(text_out + ("\n" if not text_out.endswith("\n") else ""))
    return 0


def _complete_here(
    settings: config.Settings, text: str, offset: int, path: Path, context: list[str]
) -> dict[str, Any]:
    """Complete in this process, without the daemon."""
    from pied.editing.source import read_source
    from pied.editing.uris import repo_name
    from pied.engine.engine import Engine
    from pied.engine.prompt import CompletionRequest
    from pied.models.fim import ContextFile

    files = [ContextFile(Path(p).name, read_source(Path(p))) for p in context]
    engine = Engine.load(settings)
    repo = repo_name(path.resolve().as_uri())
    request = CompletionRequest(text, offset, path=path.name, context=files, repo=repo)
    r = engine.complete(request)
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
    from pied.sheets.reader import SUFFIXES

    path = Path(args.file)
    params: dict[str, Any] = {"path": str(path.resolve())}
    if path.suffix.lower() not in SUFFIXES:
        from pied.editing.source import read_source

        params = {"text": read_source(path), "name": path.name}
    elif args.sheet:
        params["sheet"] = args.sheet
    result = _job(params, args.no_daemon, summary=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(result["summary"].rstrip("\n") + "\n")
        _say_model(result)
    return 0


def _say_model(result: dict[str, Any]) -> None:
    """Which model answered a job, on stderr (and why not the job model, if it was not)."""
    note = f" ({result['model_note']})" if result.get("model_note") else ""
    print(f"pied: answered by the {result.get('model', '?')} model{note}", file=sys.stderr)


def _job(params: dict[str, Any], here: bool, summary: bool) -> Any:
    """Run a daemon job (a summary, else a translation) in the daemon, or in this process."""
    from pied.daemon import messages

    job = (messages.Summarize if summary else messages.Translate).read(params)
    if here:
        from pied.daemon import jobs
        from pied.engine.jobmodel import load_for_jobs

        engine, note = load_for_jobs(config.load(), paths.models_dir())
        said = {"model_note": note} if note else {}
        return {**jobs.run(job, engine), "model": engine.model.name, **said}
    from pied.daemon import lifecycle
    from pied.daemon.client import call

    lifecycle.start()
    return call(lifecycle.socket_path(), job, progress=_progress_to_stderr)


def _progress_to_stderr(message: str) -> None:
    print(f"pied: {message}", file=sys.stderr, flush=True)


def cmd_translate(args: argparse.Namespace) -> int:
    from pied.editing.source import read_source

    path = Path(args.file)
    params: dict[str, Any] = {"text": read_source(path), "name": path.name, "check": args.check}
    if args.from_language:
        params["language"] = args.from_language
    if args.function:
        params["function"] = args.function
    result = _job(params, args.no_daemon, summary=False)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(result["python"])
        checks = result["checks"]
        if result.get("added"):
            print(
                f"pied: also translated what it uses: {', '.join(result['added'])}", file=sys.stderr
            )
        if checks.get("syntax") != "ok" or "execution" in checks:
            print(f"pied: checks: {json.dumps(checks)}", file=sys.stderr)
        _say_model(result)
    return 0


# --- pied daemon --------------------------------------------------------------------------------


def cmd_doctor(args: argparse.Namespace) -> int:
    from pied.cli import doctor

    found = doctor.checks()
    print(doctor.render(found))
    return 1 if any(c.state == "missing" and c.what == "model" for c in found) else 0


def cmd_stats(args: argparse.Namespace) -> int:
    from pied import paths
    from pied.daemon import acceptance

    settings = config.load()
    path = paths.state_dir() / "stats.jsonl"
    summary = acceptance.summarize(path, adapt=settings.adapt)
    summary["enabled"] = settings.stats
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(render_stats(summary))
    return 0


def _rate(accepted: int, shown: int) -> str:
    return f"{accepted}/{shown} ({100 * accepted / shown:.0f}%)" if shown else "0/0"


def render_stats(summary: dict[str, Any]) -> str:
    """``pied stats`` for a person: acceptance and retention, per language and mode, rules."""
    if not summary.get("enabled", True):
        head = "acceptance statistics are off (stats = false); what was kept before:"
    else:
        head = f"acceptance statistics (kept only on this machine, in {summary['file']}):"
    lines = [
        head,
        f"  accepted {_rate(summary['accepted'], summary['shown'])} of the suggestions shown, "
        f"{summary['chars_accepted']} characters",
    ]
    for after, r in summary["retained"].items():
        lines.append(f"  still there {after} after an accept: {_rate(r['kept'], r['checked'])}")
    if summary.get("latency_ms_p50") is not None:
        lines.append(f"  median time to a suggestion: {summary['latency_ms_p50']:.0f} ms")
    nes = summary.get("next_edit") or {}
    if nes.get("shown"):
        kept = ", ".join(
            f"still there {after}: {_rate(r['kept'], r['checked'])}"
            for after, r in nes.get("retained", {}).items()
        )
        lines.append(
            f"  next edits: accepted {_rate(nes['accepted'], nes['shown'])}"
            + (f", {kept}" if kept else "")
        )
    for field in ("language", "sampling", "shape"):
        groups = summary[f"by_{field}"]
        if groups:
            parts = ", ".join(f"{k} {_rate(c['accepted'], c['shown'])}" for k, c in groups.items())
            lines.append(f"  by {field}: {parts}")
    rules = summary.get("rules") or []
    if rules:
        lines.append("  shown less (adapt = true), as you almost never accept them:")
        for r in rules:
            lines.append(
                f"    {r['shape']} suggestions in {r['language']}: {r['effect']} "
                f"(accepted {r['accepted']} of {r['shown']})"
            )
    else:
        lines.append("  nothing is shown less (no suggestion shape is almost always rejected)")
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    """The daemon in the foreground, with its HTTP front (``/infill``, ``/v1/completions``)."""
    from pied.daemon import lifecycle

    pid = lifecycle.running_pid()
    if pid is not None:
        print(
            f"pied: error: a daemon is already running (pid {pid}). Stop it (`pied daemon "
            "stop`), or set http_port in the config and `pied daemon restart` so it answers "
            "HTTP too.",
            file=sys.stderr,
        )
        return 1
    overrides: dict[str, Any] = {"http_port": args.port, "http_host": args.host}
    overrides["keep_alive_minutes"] = 0  # its HTTP clients cannot start it again
    if args.model:
        overrides["model"] = args.model
    settings = config.load(overrides)
    from pied.daemon.httpfront import check_address, http_config

    http = http_config(settings, args.api_key)
    assert http is not None
    check_address(http)  # before the model loads: a refusal is at once
    url = f"http://{args.host}:{args.port}"
    print(f"pied: {url}/infill and {url}/v1/completions once the model is loaded", file=sys.stderr)
    return lifecycle.run(settings, verbosity=max(1, args.verbose), http_key=args.api_key)


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
    keep = s.get("keep_alive_minutes", 0)
    if keep:
        left = max(0.0, keep * 60 - s.get("idle_s", 0.0))
        print(
            f"keep-alive exits {keep:g} min after the last client leaves: "
            f"in {int(left // 60)}:{int(left % 60):02d} if none comes"
        )
    else:
        print("keep-alive stays until stopped (keep_alive_minutes = 0)")
    print(
        f"queue      {len(s['queue'])} waiting; {s['completions']} done, {s['cancelled']} cancelled"
    )
    print(f"latency    p50 {lat['p50']} ms, p90 {lat['p90']} ms, last {lat['last']} ms")
    print(
        f"cache      reuse rate {cache['reuse_rate']}, "
        f"{cache['evictions']} evictions, {cache['restores']} restores"
    )


def token_counter(settings: config.Settings) -> Any:
    """Count tokens with the configured model's own tokenizer."""
    from pied.models.backend import token_count
    from pied.models.loading import load_backend

    backend = load_backend(settings.replace(n_ctx=512, documents=1))
    return functools.partial(token_count, backend)


def cmd_encode_sheet(args: argparse.Namespace) -> int:
    from pied.sheets import compress, reader

    sheets = reader.read(Path(args.file), args.sheet)
    if not args.json:
        for sheet in sheets:
            if len(sheets) > 1:
                print(f"## {sheet.name}")
            print(compress.encode(sheet, args.stage))
        return 0
    count = token_counter(settings_from(args))
    per_sheet = {s.name: compress.stage_tokens(s, count) for s in sheets}
    totals = {
        stage: sum(int(v[stage]["tokens"]) for v in per_sheet.values() if stage in v)
        for stage in compress.STAGES
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
