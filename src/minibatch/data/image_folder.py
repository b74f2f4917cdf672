"""Your own images: one subfolder per class of PNG or JPEG files, `data=image_folder`.

Lightning's documented DataModule with no base class of ours, read with Pillow; images train
as they are (colour, shared size), and one console line says what had to be converted.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from pathlib import Path

import lightning as L
import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_only
from PIL import Image
from rich.markup import escape
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    WeightedRandomSampler,
)

from minibatch.checks.config_checks import check_value
from minibatch.checks.one_sentence import say
from minibatch.data import loader_options
from minibatch.data.in_memory.collate import COLLATES
from minibatch.data_spec import DataSpec
from minibatch.errors import UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")
# How many files are opened (their headers only) to find the images' size and colours.
INSPECTED = 256
log = logging.getLogger(__name__)


class ImageFiles(Dataset):
    """(image tensor, class id) per file: channels x height x width floats in [0, 1].

    Indexed with a list of indices (a batch sampler's), it returns the whole batch stacked.
    """

    def __init__(self, files: list[tuple[Path, int]], size: tuple[int, int], grayscale: bool):
        self.files, self.size, self.mode = files, size, "L" if grayscale else "RGB"
        self.labels = torch.tensor([label for _, label in files])

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int | list[int]):
        if isinstance(index, list):
            items = [self[i] for i in index]
            return torch.stack([image for image, _ in items]), self.labels[index]
        path, label = self.files[index]
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert(self.mode).resize(self.size[::-1]))
        except OSError as error:  # not an image, or a truncated one
            raise UserError(
                f"{path} is not an image Pillow can read ({error}): remove or replace it."
            ) from None
        except Image.DecompressionBombError:  # a small file that would fill the memory
            raise UserError(
                f"{path} is an image of more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels, which "
                "Pillow refuses to open (a decompression bomb?): shrink it or remove it."
            ) from None
        tensor = torch.from_numpy(pixels.copy()).float().div_(255.0)
        tensor = tensor.unsqueeze(0) if tensor.ndim == 2 else tensor.permute(2, 0, 1)
        return tensor, label


def list_images(root: Path) -> tuple[list[str], list[tuple[Path, int]]]:
    """Class names (sorted subfolder names) and every image file with its class id."""
    if not root.is_dir():
        raise UserError(f"data.root={root} is not a folder: give a folder of class subfolders.")
    classes = sorted(folder.name for folder in root.iterdir() if folder.is_dir())
    files = [
        (path, label)
        for label, name in enumerate(classes)
        for path in sorted((root / name).iterdir())
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if len(classes) < 2 or not files:
        raise UserError(
            f"{root} needs at least two class subfolders holding image files "
            f"(found {len(classes)} folders, {len(files)} images)."
        )
    return classes, files


def inspect_images(files: list[tuple[Path, int]]) -> tuple[Counter, bool]:
    """(how many sampled images have each (height, width), whether any is in colour), read
    from the headers of up to INSPECTED files."""
    sample = random.Random(0).sample(files, min(len(files), INSPECTED))
    sizes: Counter = Counter()
    colour = False
    for path, _ in sample:
        try:
            with Image.open(path) as image:
                width, height = image.size
                colour = colour or image.mode not in GREY_MODES
        except (OSError, Image.DecompressionBombError):
            continue  # reported, in one sentence, when the file is read for training
        sizes[(height, width)] += 1
    return sizes, colour


def fitted_size(sizes: Counter, max_side: int) -> tuple[tuple[int, int], str | None]:
    """The training size: the commonest, shrunk to fit `max_side`; and why it was converted."""
    (height, width), _ = sizes.most_common(1)[0]
    reasons = []
    if len(sizes) > 1:
        reasons.append(f"their sizes differ ({len(sizes)} sizes; the commonest: {height}x{width})")
    if max(height, width) > max_side:
        scale = max_side / max(height, width)
        reasons.append(f"{height}x{width} is larger than data.max_side={max_side}")
        height, width = max(1, round(height * scale)), max(1, round(width * scale))
    return (height, width), "; ".join(reasons) or None


class ImageFolderDataModule(L.LightningDataModule):
    """Images in class subfolders of `root`, split at random (seeded) into train and valid.

    Args:
        root: the folder of class subfolders.
        image_size: [height, width] to resize every image to; None: as the images are
            (see the module docstring).
        grayscale: True: one grey channel, False: three colour channels; None: as the images.
        max_side: the longest side an image keeps when `image_size` is None.
        valid_fraction, split_seed: the share of images held out, and the split's seed.
        batch_size ... data_on_device: the DataLoader knobs of configs/loader/default.yaml,
            as the in-memory base takes them. `loader=batched` reads a batch's files in one
            call of the dataset; `data_on_device` concerns data held in memory (files are
            read batch by batch, so there is nothing to keep on the device).
    """

    def __init__(
        self,
        root: str,
        image_size: tuple[int, int] | None = None,
        grayscale: bool | None = None,
        max_side: int = 64,
        valid_fraction: float = 0.2,
        split_seed: int = 0,
        batch_size: int = 64,
        eval_batch_size: int | None = None,
        shuffle: bool = True,
        sampler: str = "auto",
        drop_last: bool = False,
        num_workers: int = 0,
        persistent_workers: bool = False,
        pin_memory: bool | None = None,
        seed: int | None = 0,
        loader: str = "batched",
        collate: str = "default",
        data_on_device: bool = True,
    ) -> None:
        super().__init__()
        check_value("data.valid_fraction", valid_fraction)
        loader_options.check_choices(sampler, loader, collate)
        loader_options.check_no_padding(collate, "images")
        self.root = Path(root)
        self.image_size = None if image_size is None else tuple(image_size)
        self.grayscale, self.max_side = grayscale, max_side
        self.valid_fraction, self.split_seed = valid_fraction, split_seed
        self.batch_size = batch_size
        self.eval_batch_size = loader_options.eval_batch_size(batch_size, eval_batch_size)
        self.shuffle, self.sampler, self.drop_last = shuffle, sampler, drop_last
        self.num_workers = loader_options.workers(num_workers)
        self.pin_memory = pin_memory
        self.persistent_workers = persistent_workers and num_workers > 0
        self.seed = loader_options.order_seed(seed)
        self.loader, self.collate_name, self.data_on_device = loader, collate, data_on_device
        self.spec: DataSpec | None = None

    def prepare_data(self) -> None:
        list_images(self.root)  # fails early, once, when the folder is wrong

    def setup(self, stage: str | None = None) -> None:
        if self.spec is not None:
            return
        self.classes, files = list_images(self.root)
        size, grayscale = self.image_size, self.grayscale
        if size is None or grayscale is None:
            sizes, colour = inspect_images(files)
            grayscale = not colour if grayscale is None else grayscale
            if size is None:
                size, reason = fitted_size(sizes, self.max_side) if sizes else ((28, 28), None)
                if reason:
                    tell(f"images resized to {size[0]}x{size[1]} for training: {reason} "
                         "(data.image_size=[height,width] chooses the size)")  # fmt: skip
        order = torch.randperm(len(files), generator=torch.Generator().manual_seed(self.split_seed))
        cut = max(1, round(len(files) * self.valid_fraction))
        chosen = [files[i] for i in order.tolist()]
        self.valid_set = ImageFiles(chosen[:cut], size, grayscale)
        self.train_set = ImageFiles(chosen[cut:], size, grayscale)
        task = "binary" if len(self.classes) == 2 else "multiclass"
        self.spec = DataSpec(
            task=task, input_shape=(1 if grayscale else 3, *size), input_kind="images",
            num_classes=len(self.classes) if task == "multiclass" else None,
        )  # fmt: skip

    def train_dataloader(self) -> DataLoader:
        order = loader_options.batch_order(self.sampler, self.shuffle)
        return self._loader(self.train_set, self.batch_size, order, self.drop_last)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.valid_set, self.eval_batch_size, "sequential", False)

    def _sampler(self, dataset: ImageFiles, order: str) -> Sampler[int]:
        generator = torch.Generator().manual_seed(self.seed)
        if order == "random":
            return RandomSampler(dataset, generator=generator)
        if order == "weighted":  # every class equally likely (inverse class frequency)
            weights = (1.0 / torch.bincount(dataset.labels).double())[dataset.labels]
            return WeightedRandomSampler(weights, len(dataset), generator=generator)
        return SequentialSampler(dataset)

    def _loader(self, dataset: ImageFiles, batch_size: int, order: str, drop_last: bool):
        common = dict(
            num_workers=self.num_workers, persistent_workers=self.persistent_workers,
            pin_memory=self._pin_memory(), generator=torch.Generator().manual_seed(self.seed),
        )  # fmt: skip
        sampler = self._sampler(dataset, order)
        if self.loader == "batched":  # one call of the dataset per batch
            batches = BatchSampler(sampler, batch_size, drop_last)
            return DataLoader(dataset, sampler=batches, batch_size=None,
                              collate_fn=self.batch_collate, **common)  # fmt: skip
        return DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=drop_last,
                          collate_fn=self.collate, **common)  # fmt: skip

    def _pin_memory(self) -> bool:
        if self.pin_memory is not None:
            return self.pin_memory
        trainer = self.trainer
        return trainer is not None and trainer.strategy.root_device.type == "cuda"

    def collate(self, items: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Stack images (torch's default collate); labels as the task's loss wants them."""
        images, labels = COLLATES[self.collate_name](items)
        return self.batch_collate((images, labels))

    def batch_collate(self, batch: tuple[torch.Tensor, torch.Tensor]):
        """A stacked batch's labels as the task's loss wants them (float column for binary)."""
        images, labels = batch
        return images, labels.float().unsqueeze(1) if self.spec.task == "binary" else labels


@rank_zero_only
def tell(line: str) -> None:
    """One console line, also in the run's log."""
    say(escape(line))
    log.info(line)
