"""`compile=true`: the net runs through torch.compile and trains to the eager run's losses."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from minibatch.adapters.private_api import is_compiled
from minibatch.cli.train import run_training
from minibatch.errors import UserError
from minibatch.speed import compile_net
from tests import needs
from tests.conftest import tiny

# Even batches (2000 / 250, 500 in one validation batch): one graph per mode, fewer compiles.
TINY = (
    "data.train_size=2000",
    "data.valid_size=500",
    "batch_size=250",
    "data.eval_batch_size=500",
    "trainer.max_epochs=3",
)
# Compiled kernels may fuse and reorder float operations: equal to float32 rounding.
TOLERANCE = 1e-5
# On a GPU inductor's Triton kernels and cuBLAS also sum in different orders.
GPU_TOLERANCE = 1e-4


def losses_and_net(compose_config, *overrides):
    result = run_training(compose_config(*tiny(*TINY, *overrides)))
    return result.metrics["train/loss"], result.metrics["val/loss"], result.model.net


def check_same_as_eager(compose_config, backend, *overrides, tolerance=TOLERANCE):
    train_eager, val_eager, eager_net = losses_and_net(compose_config, *overrides)
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    train_c, val_c, net = losses_and_net(
        compose_config, "compile=true", f"compile_backend={backend}", *overrides
    )
    assert is_compiled(net) and not is_compiled(eager_net)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1, "dynamo compiled a graph"
    assert train_c == pytest.approx(train_eager, rel=tolerance)
    assert val_c == pytest.approx(val_eager, rel=tolerance)
    assert net.state_dict().keys() == eager_net.state_dict().keys(), "no _orig_mod. prefix"
    for name, value in net.state_dict().items():
        torch.testing.assert_close(value, eager_net.state_dict()[name], rtol=1e-4, atol=1e-5)


def test_compiled_run_reaches_the_eager_losses_aot_eager(compose_config):
    check_same_as_eager(compose_config, "aot_eager")


@pytest.mark.slow
def test_compiled_run_reaches_the_eager_losses_inductor(compose_config):
    if not compile_net.has_cxx_compiler():
        needs.not_here("inductor needs a C++ compiler on CPU")
    check_same_as_eager(compose_config, "inductor")


@pytest.mark.slow
def test_reduce_overhead_mode_reaches_the_eager_losses(compose_config):
    if not compile_net.has_cxx_compiler():
        pytest.skip("inductor needs a C++ compiler on CPU")
    check_same_as_eager(compose_config, "inductor", "compile_mode=reduce-overhead")


@pytest.mark.cuda
@pytest.mark.slow
def test_cuda_graphs_reach_the_eager_losses_on_the_gpu(compose_config):
    check_same_as_eager(
        compose_config, "inductor", "trainer=gpu", "compile_mode=reduce-overhead",
        tolerance=GPU_TOLERANCE,
    )  # fmt: skip
    assert torch._dynamo.utils.counters["inductor"]["cudagraph_skips"] == 0, "CUDA graphs ran"


def test_the_mode_reaches_torch_compile(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.nn.Module, "compile", lambda self, **options: calls.append(options))
    net = torch.nn.Linear(2, 1)
    on_cpu = SimpleNamespace(strategy=SimpleNamespace(root_device=torch.device("cpu")))
    for mode in ("default", "reduce-overhead"):
        compile_net.CompileNet("inductor", mode).on_fit_start(on_cpu, net)
    assert calls == [{"backend": "inductor"}, {"backend": "inductor", "mode": "reduce-overhead"}]


def test_a_mode_for_another_backend_is_one_sentence():
    with pytest.raises(UserError, match="compile_mode=reduce-overhead is a mode of the inductor"):
        compile_net.CompileNet("aot_eager", "reduce-overhead")


def test_unknown_backend_is_one_sentence(compose_config):
    with pytest.raises(UserError, match="compile_backend=nope is not a torch.compile backend"):
        run_training(compose_config(*tiny(*TINY, "compile=true", "compile_backend=nope")))


def test_inductor_without_a_compiler_says_what_to_do(monkeypatch):
    monkeypatch.setattr(compile_net.shutil, "which", lambda name: None)
    monkeypatch.delenv("CXX", raising=False)
    with pytest.raises(UserError, match="no C\\+\\+ compiler was found.*compile_backend=aot_eager"):
        compile_net.CompileNet("inductor")


def test_compile_is_off_by_default(compose_config):
    cfg = compose_config()
    assert cfg.compile is False and cfg.compile_backend == "inductor"
    assert cfg.compile_mode == "default"
