"""Export a checkpoint to ONNX or TorchScript; the file computes what the PyTorch model does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir

from minibatch.evaluate import load_trained
from minibatch.export import export
from minibatch.train import CONFIG_DIR, train
from tests.conftest import REPO_ROOT
from tests.core.fake_tables import write_csv, write_regression_csv

TOLERANCE = 1e-5


def trained_checkpoint(compose_config, tmp_path: Path, task: str = "regression") -> Path:
    """The last checkpoint of a 2-epoch run on a generated table (regression or binary)."""
    if task == "regression":
        table, target = write_regression_csv(tmp_path / "table.csv"), "target"
    else:
        table, target = write_csv(tmp_path / "table.csv"), "label"
    cfg = compose_config(
        "data=csv", f"data.path={table}", f"data.target={target}",
        "trainer.max_epochs=2", "callbacks=last_checkpoint", "logger=none",
        "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false",
    )  # fmt: skip
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
    model, _ = load_trained(ckpt)
    with torch.no_grad():
        return model.predict_step((inputs, None), 0)


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
@pytest.mark.parametrize("task", ["regression", "binary"])
def test_exported_model_matches_the_pytorch_model(compose_config, tmp_path, fmt, task):
    if fmt == "onnx":
        pytest.importorskip("onnxruntime", reason="needs the export extra")
        pytest.importorskip("onnxscript", reason="needs the export extra")
    ckpt = trained_checkpoint(compose_config, tmp_path, task)
    path = export(export_config(f"ckpt_path={ckpt}", f"format={fmt}"))
    assert path == ckpt.with_suffix({"onnx": ".onnx", "torchscript": ".pt"}[fmt])

    generator = torch.Generator().manual_seed(0)
    # A batch size the export never saw (any batch size works), standardised features.
    inputs = torch.randn(37, 3, generator=generator)
    expected = pytorch_predictions(ckpt, inputs)
    exported = run_exported(path, inputs)
    assert exported.shape == expected.shape == (37, 1)
    torch.testing.assert_close(exported, expected, rtol=TOLERANCE, atol=TOLERANCE)
    if task == "binary":  # probabilities
        assert 0 <= exported.min() and exported.max() <= 1
    else:  # in the target's own units (mean 150)
        assert 50 < exported.mean() < 250


@pytest.mark.slow
def test_export_script_writes_the_file_and_refuses_unknown_formats(compose_config, tmp_path):
    ckpt = trained_checkpoint(compose_config, tmp_path)
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
    inputs = torch.linspace(-2, 2, 33).reshape(11, 3)
    torch.testing.assert_close(
        run_exported(output, inputs),
        pytorch_predictions(ckpt, inputs),
        rtol=TOLERANCE,
        atol=TOLERANCE,
    )
    bad = subprocess.run([*script, "format=pickle"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    assert "format=pickle is not one of: onnx, torchscript." in bad.stderr
    assert "Traceback" not in bad.stderr
