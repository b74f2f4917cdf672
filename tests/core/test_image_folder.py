"""`data=image_folder`: class subfolders of PNG files, read with Pillow, trained end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from minibatch.cli.train import run_training
from minibatch.data.image_folder import ImageFolderDataModule
from minibatch.errors import UserError
from tests.conftest import QUIET, REPO_ROOT
from tests.core.huge_png import write_huge_png


def write_image_folder(root: Path, per_class: int = 30, size: int = 12, seed: int = 0) -> Path:
    """Three classes of noisy 12x12 images: a horizontal bar, a vertical bar, a diagonal."""
    rng = np.random.default_rng(seed)
    for name in ("horizontal", "vertical", "diagonal"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.uniform(0, 60, (size, size))
            at = rng.integers(2, size - 2)
            if name == "horizontal":
                pixels[at, :] = 255
            elif name == "vertical":
                pixels[:, at] = 255
            else:
                pixels[np.arange(size), np.arange(size)] = 255
            Image.fromarray(pixels.astype(np.uint8)).save(root / name / f"{i:03d}.png")
    (root / "horizontal" / "notes.txt").write_text("not an image: skipped")
    return root


def test_images_become_tensors_and_a_spec(tmp_path):
    module = ImageFolderDataModule(str(write_image_folder(tmp_path)), batch_size=8,
                                   image_size=(12, 12))  # fmt: skip
    module.prepare_data()
    module.setup("fit")
    assert module.classes == ["diagonal", "horizontal", "vertical"]
    assert (len(module.train_set), len(module.valid_set)) == (72, 18)
    assert module.spec.input_shape == (1, 12, 12) and module.spec.num_classes == 3
    x, y = next(iter(module.train_dataloader()))
    assert x.shape == (8, 1, 12, 12) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert 0.0 <= x.min() and x.max() == pytest.approx(1.0)


def test_a_decompression_bomb_is_one_sentence_naming_the_file(tmp_path):
    """A 15000 x 15000 PNG of 27 KB: Pillow refuses it; the error names the file."""
    write_image_folder(tmp_path, per_class=2)
    bomb = write_huge_png(tmp_path / "vertical" / "huge.png")
    module = ImageFolderDataModule(str(tmp_path), image_size=(12, 12))
    module.setup("fit")
    dataset = module.train_set if (bomb, 2) in module.train_set.files else module.valid_set
    with pytest.raises(
        UserError, match=f"^{bomb} is an image of more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels"
    ):
        dataset[dataset.files.index((bomb, 2))]


def test_a_folder_without_classes_is_one_sentence(tmp_path):
    (tmp_path / "only").mkdir()
    with pytest.raises(UserError, match="needs at least two class subfolders"):
        ImageFolderDataModule(str(tmp_path)).prepare_data()
    with pytest.raises(UserError, match="is not a folder"):
        ImageFolderDataModule(str(tmp_path / "missing")).prepare_data()


# The conv net sees bars wherever they are; the MLP (pixels flattened) learns well above the
# 1/3 of chance from 72 images.
@pytest.mark.parametrize(("model", "accuracy"), [("conv_net", 0.9), ("mlp", 0.6)])
def test_image_folder_trains_in_process(compose_config, tmp_path, model, accuracy):
    root = write_image_folder(tmp_path / "images")
    cfg = compose_config("data=image_folder", f"data.root={root}", "data.image_size=[12,12]",
                         f"model={model}", "batch_size=16", "trainer.max_epochs=25",
                         "optimizer.lr=0.01", *QUIET)  # fmt: skip
    metrics = run_training(cfg).metrics
    assert metrics["val/acc"] >= accuracy, metrics


@pytest.mark.slow
def test_image_folder_trains_through_train_py(tmp_path):
    root = write_image_folder(tmp_path / "images")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), "data=image_folder", f"data.root={root}",
         "data.image_size=[12,12]", "model=conv_net", "batch_size=16", "trainer.max_epochs=2",
         f"paths.log_dir={tmp_path / 'logs'}", "trainer.enable_progress_bar=false"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "logs" / "train" / "runs").iterdir()
    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    assert len(events.Scalars("val/acc")) == 2, "one validation accuracy per epoch"


def write_colour_folder(root: Path, sizes: dict[str, tuple[int, int]]) -> Path:
    """Two classes of colour PNGs, each class at its own (height, width)."""
    for label, (name, (height, width)) in enumerate(sizes.items()):
        (root / name).mkdir(parents=True)
        for i in range(5):
            pixels = np.zeros((height, width, 3), np.uint8)
            pixels[..., label] = 200 + i  # red or green
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def test_colour_images_train_in_colour_at_their_own_size(tmp_path, capfd):
    root = write_colour_folder(tmp_path, {"red": (20, 30), "green": (20, 30)})
    module = ImageFolderDataModule(str(root), batch_size=4)
    module.setup("fit")
    assert module.spec.input_shape == (3, 20, 30)
    x, _ = next(iter(module.train_dataloader()))
    assert x.shape == (4, 3, 20, 30) and set(x[:, 2].unique().tolist()) == {0.0}, "blue is 0"
    assert "resized" not in capfd.readouterr().err, "nothing converted, nothing said"


def test_images_that_must_be_converted_say_so_in_one_line(tmp_path, capfd):
    root = write_colour_folder(tmp_path, {"red": (100, 80), "green": (50, 40)})
    module = ImageFolderDataModule(str(root), batch_size=4, max_side=64)
    module.setup("fit")
    assert module.spec.input_shape == (3, 64, 51), "the commonest size, shrunk to 64"
    said = [line for line in capfd.readouterr().err.splitlines() if "resized" in line]
    assert len(said) == 1 and "images resized to 64x51 for training" in said[0], said


def test_every_loader_knob_works_on_the_image_folder(compose_config, tmp_path):
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from minibatch.runs.project_paths import CONFIG_DIR

    knobs = set(OmegaConf.load(CONFIG_DIR / "loader" / "default.yaml"))
    root = write_image_folder(tmp_path / "images", per_class=6)
    for data in ("image_folder", "csv", "mnist", "boston", "sequences"):
        extra = {"image_folder": [f"data.root={root}"], "csv": ["data.path=x", "data.target=y"]}
        assert knobs <= set(compose_config(f"data={data}", *extra.get(data, [])).data), data
    cfg = compose_config("data=image_folder", f"data.root={root}", "data.shuffle=false",
                         "data.sampler=weighted", "data.loader=per_item", "data.drop_last=true",
                         "data.eval_batch_size=3", "batch_size=4")  # fmt: skip
    module = instantiate(cfg.data)
    module.setup("fit")
    train = list(module.train_dataloader())
    assert len(train) == len(module.train_set) // 4 and all(len(y) == 4 for _, y in train)
    assert [len(y) for _, y in module.val_dataloader()] == [3, 1], "4 held out, in 3s"
    unshuffled = compose_config("data=image_folder", f"data.root={root}", "data.shuffle=false",
                                "batch_size=4")  # fmt: skip
    plain = instantiate(unshuffled.data)
    plain.setup("fit")
    first = [y.tolist() for _, y in plain.train_dataloader()]
    assert first == [y.tolist() for _, y in plain.train_dataloader()], "the same order each time"
