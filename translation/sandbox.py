"""Running programs for the execution check: a temp dir, time and memory limits, no network
where the system lets us take it away, never the user's working directory."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pied.translation.split import ENTRY

TIMEOUT = 10.0
MEMORY = 1 << 30


@dataclass(frozen=True)
class Run:
    ok: bool  # built and exited 0
    stdout: str
    error: str  # why it failed, one line


# Run inside new user, network and mount namespaces: no network (not even loopback), and
# every mount read-only except the run's own temp dir ($1), so a program cannot write the
# user's files. Mount points with spaces in their names are left as they are.
_ISOLATE = """
d=$1; shift
mount --bind "$d" "$d" && cd "$d" || exit 97
for m in $(awk '{print $2}' /proc/self/mounts | sort -u); do
  [ "$m" = "$d" ] || mount -o remount,bind,ro "$m" 2>/dev/null
done
exec "$@"
"""


@functools.cache
def isolation() -> str:
    """How programs are isolated here: "network+filesystem", "network" or "none"."""
    if not shutil.which("unshare"):
        return "none"
    with tempfile.TemporaryDirectory(prefix="pied-probe-") as tmp:
        probes = {
            "network+filesystem": ["unshare", "-rnm", "sh", "-c", _ISOLATE, "pied", tmp, "true"],
            "network": ["unshare", "-rn", "true"],
        }
        for level, cmd in probes.items():
            try:
                if subprocess.run(cmd, capture_output=True, timeout=5).returncode == 0:
                    return level
            except (OSError, subprocess.TimeoutExpired):
                pass
    return "none"


def _isolated(cmd: list[str], cwd: Path) -> list[str]:
    level = isolation()
    if level == "network+filesystem":
        return ["unshare", "-rnm", "sh", "-c", _ISOLATE, "pied", str(cwd), *cmd]
    if level == "network":
        return ["unshare", "-rn", *cmd]
    return cmd


# The JVM reserves address space far beyond what it uses: cap its heap and reservations
# with flags, and its address space more loosely.
JVM_FLAGS = [
    "-XX:-UsePerfData",  # no hsperfdata files in /tmp (read-only in the sandbox)
    "-Xmx256m",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
]
JVM_MEMORY = 4 << 30


FILE_SIZE = 64 << 20  # bytes: the largest file a program may write


def _limits(memory: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (int(TIMEOUT) + 1, int(TIMEOUT) + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE, FILE_SIZE))


def _run(
    cmd: list[str], cwd: Path, stdin: str = "", memory: int = MEMORY
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in ``cwd`` isolated and limited; whatever it started is killed after."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "TMPDIR": str(cwd),
        "LANG": "C.UTF-8",
    }
    proc = subprocess.Popen(
        _isolated(cmd, cwd),
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=functools.partial(_limits, memory),
        start_new_session=True,  # its own process group, to kill what it leaves behind
    )
    try:
        out, err = proc.communicate(stdin, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        raise subprocess.TimeoutExpired(cmd, TIMEOUT, output=out, stderr=err) from None
    finally:
        _kill_group(proc.pid)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


JAVA_CLASS = re.compile(r"public\s+(?:final\s+)?class\s+(\w+)")

# language -> (file name, build command or None, run command); {f} is the file, {x} an output.
TOOLCHAINS: dict[str, tuple[str, list[str] | None, list[str]]] = {
    "cpp": ("main.cpp", ["g++", "-std=c++17", "-O1", "-o", "main", "main.cpp"], ["./main"]),
    "c": ("main.c", ["gcc", "-O1", "-o", "main", "main.c", "-lm"], ["./main"]),
    "java": ("Main.java", ["javac", "Main.java"], ["java", "Main"]),
    "javascript": ("main.js", None, ["node", "main.js"]),
    "typescript": ("main.ts", None, ["node", "--experimental-strip-types", "main.ts"]),
    "php": ("main.php", None, ["php", "main.php"]),
    "go": ("main.go", None, ["go", "run", "main.go"]),
    "rust": ("main.rs", ["rustc", "-O", "-o", "main", "main.rs"], ["./main"]),
    "ruby": ("main.rb", None, ["ruby", "main.rb"]),
    "csharp": ("main.cs", ["mcs", "-out:main.exe", "main.cs"], ["mono", "main.exe"]),
}


def available(language: str) -> bool:
    """Whether this machine can build and run ``language``."""
    spec = TOOLCHAINS.get(language)
    if spec is None:
        return False
    _file, build, run = spec
    tools = [cmd[0] for cmd in ([build] if build else []) + [run] if not cmd[0].startswith("./")]
    return all(shutil.which(tool) for tool in tools)


def runnable(source: str, language: str) -> bool:
    """Whether ``source`` has an entry point to run (``translate.split.ENTRY``)."""
    pattern = ENTRY.get(language)
    return bool(pattern and re.search(pattern, source, re.MULTILINE))


# C++ built for differential tests: signed overflow, division by zero, bad shifts and
# out-of-range vector indexes trap, so an input the original has no answer for says so.
CPP_CHECKED = ["-fsanitize=signed-integer-overflow,integer-divide-by-zero,shift"]
CPP_CHECKED += ["-fsanitize-undefined-trap-on-error", "-D_GLIBCXX_ASSERTIONS"]


def run_source(source: str, language: str, *, checked: bool = False) -> Run:
    """Build and run a program in a fresh temp dir; its stdout (what it printed before a
    timeout, too). ``checked``: C++ undefined behaviour traps (``CPP_CHECKED``)."""
    file, build, run = TOOLCHAINS[language]
    if checked and language == "cpp" and build:
        build = [*build[:-1], *CPP_CHECKED, build[-1]]
    memory = MEMORY
    if language == "java":
        m = JAVA_CLASS.search(source)
        name = m.group(1) if m else "Main"
        file = f"{name}.java"
        build = ["javac", *(f"-J{flag}" for flag in JVM_FLAGS), file]
        run = ["java", *JVM_FLAGS, name]
        memory = JVM_MEMORY
    return run_files({file: source}, build, run, memory=memory)


def run_files(
    files: dict[str, str], build: list[str] | None, run: list[str], *, memory: int = MEMORY
) -> Run:
    """Write ``files`` (relative paths) into a fresh temp dir, then build and run there."""
    with tempfile.TemporaryDirectory(prefix="pied-run-") as tmp:
        d = Path(tmp)
        for name, text in files.items():
            (d / name).parent.mkdir(parents=True, exist_ok=True)
            (d / name).write_text(text)
        try:
            if build:
                b = _run(build, d, memory=memory)
                if b.returncode != 0:
                    return Run(False, "", "does not build: " + _last(b.stderr))
            r = _run(run, d, memory=memory)
        except subprocess.TimeoutExpired as e:
            return Run(False, e.output or "", f"timed out after {TIMEOUT:.0f} s")
        if r.returncode != 0:
            return Run(False, r.stdout, f"exit code {r.returncode}: " + _last(r.stderr))
        return Run(True, r.stdout, "")


def run_python(code: str) -> Run:
    with tempfile.TemporaryDirectory(prefix="pied-run-") as tmp:
        d = Path(tmp)
        (d / "main.py").write_text(code)
        try:
            r = _run([sys.executable, "-I", "main.py"], d)
        except subprocess.TimeoutExpired as e:
            return Run(False, e.output or "", f"timed out after {TIMEOUT:.0f} s")
        if r.returncode != 0:
            return Run(False, r.stdout, _last(r.stderr))
        return Run(True, r.stdout, "")


def _last(stderr: str) -> str:
    lines = [line for line in stderr.strip().split("\n") if line.strip()]
    return lines[-1][:300] if lines else "no message"


def same_output(a: str, b: str) -> bool:
    """Equal stdout, ignoring trailing spaces and comparing numbers to 1e-6."""
    la = [line.rstrip() for line in a.strip().split("\n")]
    lb = [line.rstrip() for line in b.strip().split("\n")]
    if len(la) != len(lb):
        return False
    for x, y in zip(la, lb, strict=True):
        if x == y:
            continue
        tx, ty = x.split(), y.split()
        if len(tx) != len(ty):
            return False
        for u, v in zip(tx, ty, strict=True):
            if u == v or (u.lower() == v.lower() and u.lower() in ("true", "false")):
                continue
            try:
                if abs(float(u) - float(v)) > 1e-6 * max(1.0, abs(float(u))):
                    return False
            except ValueError:
                return False
    return True
