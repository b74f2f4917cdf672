"""`compile=true`: the net wrapped with torch.compile, for faster steps after a compile pause.

`nn.Module.compile` is used rather than `torch.compile(net)`: it compiles the module's call
in place, so the net keeps its type and its state_dict keys (no `_orig_mod.` prefix), and
checkpoints, `evaluate.py` and `export.py` read a compiled run like any other.
`compile_backend` picks the backend: `inductor` (the default; generates C++ code on CPU,
so it needs a C++ compiler), `aot_eager` (no code generation) or `eager`.
"""

from __future__ import annotations

import os
import shutil

import torch
from torch import nn

from minibatch.errors import UserError

CXX_COMPILERS = ("g++", "clang++", "c++")


def has_cxx_compiler() -> bool:
    """Whether inductor's CPU code generation can find a C++ compiler."""
    candidates = [os.environ.get("CXX")] if os.environ.get("CXX") else []
    return any(shutil.which(name) for name in [*candidates, *CXX_COMPILERS])


def check_backend(backend: str, on_gpu: bool) -> None:
    """Refuse, in one sentence, a backend torch does not know or cannot build here."""
    known = set(torch._dynamo.list_backends(exclude_tags=())) | {"eager", "aot_eager"}
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


def compile_net(module: nn.Module, backend: str = "inductor", on_gpu: bool = False) -> nn.Module:
    """Compile `module.net` (or `module` itself if it has no `net`) in place; returns it.

    A `TaskModule` builds its net only in `configure_model`: then the backend is checked
    now and the net compiled as soon as it is built (`TaskModule.compile_backend`).
    """
    check_backend(backend, on_gpu)
    if hasattr(module, "compile_backend") and module.net is None:
        module.compile_backend = backend
        return module
    target = getattr(module, "net", module)
    target.compile(backend=backend)
    return module


def is_compiled(module: nn.Module) -> bool:
    """Whether `nn.Module.compile` was called on the module."""
    return getattr(module, "_compiled_call_impl", None) is not None
