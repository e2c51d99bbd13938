"""The translation check's sandbox, attacked: the network, the user's files, memory, time,
disk, processes left behind and the environment (real programs, no model)."""

from __future__ import annotations

import os
import socket
import textwrap
import uuid
from pathlib import Path

import pytest

from pied.translation import sandbox
from tests.support.wait import wait_until


def run(code: str) -> sandbox.Run:
    return sandbox.run_python(textwrap.dedent(code))


def test_this_machine_isolates_network_and_filesystem() -> None:
    # The set-up installs what this needs (util-linux); pied's doctor says where it is less.
    assert sandbox.isolation() == "network+filesystem"


def test_no_network_not_even_loopback() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        out = run(f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2)
                print("connected")
            except OSError as e:
                print("refused", e)
            """)
        assert "refused" in out.stdout, out
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing ever arrived


def test_the_users_files_cannot_be_written_or_removed(tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    target = Path.home() / f"pied-sandbox-{uuid.uuid4().hex}"
    out = run(f"""
        import os
        for attempt in (lambda: open({str(target)!r}, "w").write("x"),
                        lambda: open({str(victim)!r}, "w").write("gone"),
                        lambda: os.remove({str(victim)!r})):
            try:
                attempt()
                print("done")
            except OSError as e:
                print("blocked", e.errno)
        open("scratch.txt", "w").write("its own dir is writable")
        print(open("scratch.txt").read())
        """)
    assert out.stdout.count("blocked") == 3, out
    assert "its own dir is writable" in out.stdout
    assert victim.read_text() == "keep me"
    assert not target.exists()


def test_memory_time_and_file_size_are_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    hog = run("x = bytearray(3 << 30)\nprint('allocated')")
    assert not hog.ok and "allocated" not in hog.stdout
    big = run("open('big', 'wb').write(b'0' * (200 << 20))\nprint('written')")
    assert not big.ok and "written" not in big.stdout
    monkeypatch.setattr(sandbox, "TIMEOUT", 1.0)
    spin = run("while True: pass")
    assert not spin.ok and "timed out" in spin.error


def test_nothing_it_starts_outlives_it(monkeypatch: pytest.MonkeyPatch) -> None:
    marker = f"pied-orphan-{uuid.uuid4().hex}"
    monkeypatch.setattr(sandbox, "TIMEOUT", 2.0)
    out = run(f"""
        import subprocess, time
        quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.Popen(["sh", "-c", "sleep 120 # {marker}"], **quiet)
        print("started")
        time.sleep(60)
        """)
    assert "timed out" in out.error

    def survivors() -> list[str]:
        return [p for p in os.listdir("/proc") if p.isdigit() and marker.encode() in _cmdline(p)]

    wait_until(lambda: not survivors(), 10, "a child outlived the timed-out check")


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_the_environment_holds_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIED_ENGINE_KEY", "sk-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "also-secret")
    out = run("import os\nprint(sorted(os.environ))\nprint(os.getcwd())")
    assert "secret" not in out.stdout and "PIED_ENGINE_KEY" not in out.stdout
    cwd = out.stdout.split("\n")[1]
    assert Path(cwd).name.startswith("pied-run-") and not Path(cwd).exists()
