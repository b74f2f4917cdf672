"""`compile=true`: the net compiled in place (`nn.Module.compile`), for faster steps after a pause.

It keeps the net's type and state_dict keys (no `_orig_mod.`), so checkpoints read as any
other; `compile_mode=reduce-overhead` replays the step's kernels as CUDA graphs on a GPU.
"""

from __future__ import annotations

import os
import shutil

import torch
from lightning.pytorch.callbacks import Callback

from minibatch.errors import UserError

CXX_COMPILERS = ("g++", "clang++", "c++")


def has_cxx_compiler() -> bool:
    """Whether inductor's CPU code generation can find a C++ compiler."""
    candidates = [os.environ.get("CXX")] if os.environ.get("CXX") else []
    return any(shutil.which(name) for name in [*candidates, *CXX_COMPILERS])


def check_backend(backend: str, on_gpu: bool) -> None:
    """Refuse, in one sentence, a backend torch does not know or cannot build here."""
    known = set(torch.compiler.list_backends(exclude_tags=())) | {"eager", "aot_eager"}
    if backend not in known:
        raise UserError(
            f"compile_backend={backend} is not a torch.compile backend: use one of "
            f"{', '.join(sorted(known))}."
        )
    if backend == "inductor" and not on_gpu and not has_cxx_compiler():
        raise UserError(
            "compile_backend=inductor generates C++ on CPU and no C++ compiler was found "
            "(g++ or clang++): install one, or use compile_backend=aot_eager."
        )


def check_mode(backend: str, mode: str) -> None:
    """Refuse a mode other than default for a backend that would silently ignore it."""
    if mode != "default" and backend != "inductor":
        raise UserError(
            f"compile_mode={mode} is a mode of the inductor backend and compile_backend="
            f"{backend} ignores it: use compile_backend=inductor, or compile_mode=default."
        )


class CompileNet(Callback):
    """`compile=true`: compile the module's net (a module without one: the module) in place
    once the fit has built it; backend and mode are checked when the callback is made."""

    def __init__(self, backend: str = "inductor", mode: str = "default") -> None:
        self.backend, self.mode = backend, mode
        check_backend(backend, on_gpu=torch.cuda.is_available())
        check_mode(backend, mode)

    def on_fit_start(self, trainer, pl_module) -> None:
        on_gpu = trainer.strategy.root_device.type != "cpu"
        check_backend(self.backend, on_gpu)
        net = getattr(pl_module, "net", pl_module)
        if self.mode == "default":
            net.compile(backend=self.backend)
        else:
            net.compile(backend=self.backend, mode=self.mode)
