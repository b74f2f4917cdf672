"""Run many command lines of the project's scripts fast: each in a fork of one warm process.

`python tests/core/command_lines.py` reads a JSON list of {"script", "args", "cwd", "env"} on
stdin, imports what the scripts import (Lightning, torch, Hydra, the project) once, then
runs every command in a child forked from that warm process: the script itself as
`__main__` with `sys.argv` as typed (`runpy`), stdout and stderr into files of its `cwd`,
its exit code as the interpreter would give it (SystemExit's, or 1 after a traceback). Two
run at a time; one JSON line per command is printed as it ends (its exit code and seconds).
A command with `"after": i` starts once command i (an earlier one) has ended: a chain of
runs in one folder, each resuming what the one before left.
A command line is the same as in a shell; what it saves is the interpreter's start and the
imports, several seconds a command. The warm process has run no torch operation, so forking
it is safe.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

AT_ONCE = 2
TIMEOUT_S = 300
# Imported once, before the forks: what a run imports on its way to training.
WARM_MODULES = ("lightning", "lightning.pytorch.loggers.tensorboard", "torch",
                "tensorboard.compat.tensorflow_stub.io.gfile", "torch.utils.tensorboard",
                "torchmetrics", "minibatch.build", "minibatch.runs.guards", "minibatch.cli.train",
                "minibatch.cli.evaluate", "minibatch.cli.export")  # fmt: skip


def run_all(commands: list[dict], timeout_s: float = 1200) -> list[dict]:
    """For each command ({"script", "args", "cwd", "env"}), its {"returncode", "seconds",
    "stdout", "stderr"}, run by this file in forks of one warm process (from a test)."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    runner = subprocess.run([sys.executable, __file__], input=json.dumps(commands),
                            capture_output=True, text=True, env=env, cwd=root,
                            timeout=timeout_s)  # fmt: skip
    assert runner.returncode == 0, runner.stderr
    ended = {x["index"]: x for x in map(json.loads, runner.stdout.splitlines())}
    for index, command in enumerate(commands):  # what run_child wrote into the command's cwd
        for stream in ("stdout", "stderr"):
            ended[index][stream] = Path(command["cwd"], f"{stream}.txt").read_text()
    return [ended[i] for i in range(len(commands))]


def run_child(script: str, args: list[str], cwd: str, env: dict[str, str]) -> None:
    """In the forked child: run `script` as `python script args...` would, then exit."""
    code = 1
    try:
        os.environ.update(env)
        tempfile.tempdir = None  # TMPDIR read again, as a new interpreter would
        if env.get("PYTHONPATH"):  # as a new interpreter would put it on sys.path
            sys.path[:0] = env["PYTHONPATH"].split(os.pathsep)
        os.chdir(cwd)
        for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
            os.dup2(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        signal.alarm(TIMEOUT_S)
        sys.argv = [script, *args]
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            if isinstance(stop.code, str):
                print(stop.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
            code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)


def main() -> None:
    for name in WARM_MODULES:
        importlib.import_module(name)
    commands = json.load(sys.stdin)
    os.environ.pop("HYDRA_FULL_ERROR", None)
    running: dict[int, tuple[int, float]] = {}
    waiting, ended = list(enumerate(commands)), set()
    while waiting or running:
        ready = [(i, c) for i, c in waiting if c.get("after") in (None, *ended)]
        for index, command in ready[: AT_ONCE - len(running)]:
            waiting.remove((index, command))
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                run_child(
                    command["script"], command["args"], command["cwd"], command.get("env", {})
                )
            running[pid] = index, time.monotonic()
        pid, status = os.wait()
        index, started = running.pop(pid)
        ended.add(index)
        code, seconds = os.waitstatus_to_exitcode(status), round(time.monotonic() - started, 2)
        print(json.dumps({"index": index, "returncode": code, "seconds": seconds}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
