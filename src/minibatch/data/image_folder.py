"""Your own images: one subfolder per class of PNG or JPEG files, `data=image_folder`.

Lightning's documented DataModule with no base class of ours, the pattern for any `Dataset`;
Pillow reads the files (torchvision would replace a CPU build of torch).
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

from minibatch.checks.config_checks import check_value
from minibatch.data import loader_options
from minibatch.data_spec import DataSpec
from minibatch.errors import UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


class ImageFiles(Dataset):
    """(image tensor, class id) per file: channels x height x width floats in [0, 1]."""

    def __init__(self, files: list[tuple[Path, int]], size: tuple[int, int], grayscale: bool):
        self.files, self.size, self.mode = files, size, "L" if grayscale else "RGB"

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
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


class ImageFolderDataModule(L.LightningDataModule):
    """Images in class subfolders of `root`, split at random (seeded) into train and valid."""

    def __init__(
        self,
        root: str,
        batch_size: int = 32,
        image_size: tuple[int, int] = (28, 28),
        grayscale: bool = True,
        valid_fraction: float = 0.2,
        split_seed: int = 0,
        num_workers: int = 0,
    ) -> None:
        super().__init__()
        check_value("data.valid_fraction", valid_fraction)
        self.root, self.batch_size = Path(root), batch_size
        self.image_size, self.grayscale = tuple(image_size), grayscale
        self.valid_fraction, self.split_seed = valid_fraction, split_seed
        self.num_workers = loader_options.workers(num_workers)

    def prepare_data(self) -> None:
        list_images(self.root)  # fails early, once, when the folder is wrong

    def setup(self, stage: str | None = None) -> None:
        self.classes, files = list_images(self.root)
        order = torch.randperm(len(files), generator=torch.Generator().manual_seed(self.split_seed))
        cut = max(1, round(len(files) * self.valid_fraction))
        chosen = [files[i] for i in order.tolist()]
        self.valid_set = ImageFiles(chosen[:cut], self.image_size, self.grayscale)
        self.train_set = ImageFiles(chosen[cut:], self.image_size, self.grayscale)
        channels = 1 if self.grayscale else 3
        task = "binary" if len(self.classes) == 2 else "multiclass"
        self.spec = DataSpec(
            task=task, input_shape=(channels, *self.image_size), input_kind="images",
            num_classes=len(self.classes) if task == "multiclass" else None,
        )  # fmt: skip

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True,
                          num_workers=self.num_workers, collate_fn=self.collate)  # fmt: skip

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.valid_set, batch_size=self.batch_size,
                          num_workers=self.num_workers, collate_fn=self.collate)  # fmt: skip

    def collate(self, items: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Stack images; labels as the task's loss wants them (float column for binary)."""
        images = torch.stack([image for image, _ in items])
        labels = torch.tensor([label for _, label in items])
        return images, labels.float().unsqueeze(1) if self.spec.task == "binary" else labels
