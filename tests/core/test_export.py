"""Export a checkpoint to ONNX or TorchScript; the file computes what the PyTorch model does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir

from minibatch.evaluate import load_model, read_run_config
from minibatch.export import export
from minibatch.train import CONFIG_DIR, train
from tests.conftest import REPO_ROOT, tiny

TOLERANCE = 1e-5


def trained_checkpoint(compose_config, *data_overrides: str) -> Path:
    """The last checkpoint of a 2-epoch run on small cooking data (or the data given)."""
    overrides = data_overrides or tiny()
    cfg = compose_config(
        *overrides,
        "trainer.max_epochs=2",
        "callbacks=model_checkpoint",
        "logger=none",
        "trainer.enable_progress_bar=false",
        "trainer.enable_model_summary=false",
    )
    train(cfg)
    return Path(cfg.paths.output_dir) / "checkpoints" / "last.ckpt"


def export_config(*overrides: str):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="export", overrides=list(overrides))


def run_exported(path: Path, inputs: torch.Tensor) -> torch.Tensor:
    if path.suffix == ".onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        assert [i.name for i in session.get_inputs()] == ["features"]
        return torch.from_numpy(session.run(None, {"features": inputs.numpy()})[0])
    return torch.jit.load(str(path))(inputs)


def pytorch_predictions(ckpt: Path, inputs: torch.Tensor) -> torch.Tensor:
    """The checkpoint's predictions as `predict_step` computes them, rebuilt independently."""
    import hydra

    run_cfg = read_run_config(ckpt)
    model = load_model(ckpt, run_cfg, hydra.utils.instantiate(run_cfg.data)).eval()
    with torch.no_grad():
        return model.predict_step((inputs, None), 0)


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
@pytest.mark.parametrize("data", ["cooking", "mnist"])
def test_exported_model_matches_the_pytorch_model(
    compose_config, offline_data, tmp_path, fmt, data
):
    if fmt == "onnx":
        pytest.importorskip("onnxruntime", reason="needs the export extra")
        pytest.importorskip("onnxscript", reason="needs the export extra")
    data_overrides = [] if data == "cooking" else ["data=mnist", *offline_data("mnist")]
    ckpt = trained_checkpoint(compose_config, *data_overrides)
    path = export(export_config(f"ckpt_path={ckpt}", f"format={fmt}"))
    assert path == ckpt.with_suffix({"onnx": ".onnx", "torchscript": ".pt"}[fmt])

    generator = torch.Generator().manual_seed(0)
    features = 1 if data == "cooking" else 784
    # A batch size the export never saw (any batch size works), in the data's range.
    inputs = torch.rand(37, features, generator=generator) * (115 if data == "cooking" else 1)
    expected = pytorch_predictions(ckpt, inputs)
    exported = run_exported(path, inputs)
    assert exported.shape == expected.shape == (37, 1 if data == "cooking" else 10)
    torch.testing.assert_close(exported, expected, rtol=0, atol=TOLERANCE)
    if data == "mnist":  # class probabilities
        torch.testing.assert_close(exported.sum(1), torch.ones(37), rtol=0, atol=1e-5)


@pytest.mark.slow
def test_export_script_writes_the_file_and_refuses_unknown_formats(compose_config, tmp_path):
    ckpt = trained_checkpoint(compose_config)
    script = [
        sys.executable,
        str(REPO_ROOT / "scripts" / "export.py"),
        f"ckpt_path={ckpt}",
        f"paths.log_dir={tmp_path}",
    ]
    output = tmp_path / "model.pt"
    done = subprocess.run(
        [*script, "format=torchscript", f"output_path={output}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"torchscript: {output}" in done.stderr
    inputs = torch.linspace(0, 115, 11).reshape(11, 1)
    torch.testing.assert_close(
        run_exported(output, inputs), pytorch_predictions(ckpt, inputs), rtol=0, atol=TOLERANCE
    )
    bad = subprocess.run([*script, "format=pickle"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    assert "format=pickle is not one of: onnx, torchscript." in bad.stderr
    assert "Traceback" not in bad.stderr
