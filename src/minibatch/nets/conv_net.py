"""A small convolutional net for images: the default to try on `data=image_folder`.

Pooled to one value per channel, so it takes images of any size.
"""

from __future__ import annotations

import torch
from torch import nn

from minibatch.data_spec import DataSpec


class ConvNet(nn.Module):
    """Conv(3x3) -> ReLU -> MaxPool(2) per entry of `channels`, global average, Linear.

    Global average pooling makes it work for any image size the data gives.
    """

    input_kinds = ("images",)

    def __init__(self, spec: DataSpec, channels: list[int] | tuple[int, ...] = (16, 32)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = spec.input_shape[0]
        for size in channels:
            layers += [nn.Conv2d(width, size, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            width = size
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(width, spec.output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
