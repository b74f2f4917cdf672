"""Run many command lines of the project's scripts fast: each in a fork of one warm process.

`python tests/core/command_lines.py` reads a JSON list of {"script", "args", "cwd", "env"} on
stdin, imports what the scripts import (Lightning, torch, Hydra, the project) once, then
runs every command in a child forked from that warm process: the script itself as
`__main__` with `sys.argv` as typed (`runpy`), stdout and stderr into files of its `cwd`,
its exit code as the interpreter would give it (SystemExit's, or 1 after a traceback). Two
run at a time; one JSON line per command is printed as it ends. A command line is the same
as in a shell; what it saves is the interpreter's start and the imports, about four
seconds a command here. The warm process has run no torch operation, so forking it is safe.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import traceback

import lightning  # noqa: F401  (imported once here, not once per command)
import torch  # noqa: F401

import minibatch.evaluate  # noqa: F401
import minibatch.export  # noqa: F401
import minibatch.train  # noqa: F401

AT_ONCE = 2
TIMEOUT_S = 300


def run_child(script: str, args: list[str], cwd: str, env: dict[str, str]) -> None:
    """In the forked child: run `script` as `python script args...` would, then exit."""
    code = 1
    try:
        os.environ.update(env)
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
    commands = json.load(sys.stdin)
    os.environ.pop("HYDRA_FULL_ERROR", None)
    running: dict[int, int] = {}
    waiting = list(enumerate(commands))
    while waiting or running:
        while waiting and len(running) < AT_ONCE:
            index, command = waiting.pop(0)
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                run_child(
                    command["script"], command["args"], command["cwd"], command.get("env", {})
                )
            running[pid] = index
        pid, status = os.wait()
        index = running.pop(pid)
        print(json.dumps({"index": index, "returncode": os.waitstatus_to_exitcode(status)}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
