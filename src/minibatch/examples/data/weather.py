"""Seed 000's exercise: daily weather at the LBBE (Lyon) from the Open-Meteo forecast API.

Temperature and wind predict precipitation; the API's answer is cached, so later runs (and
runs without network) read the cache.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import torch

from minibatch.checks.config_checks import POSITIVE_INT, check_value
from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.errors import UserError
from minibatch.examples.data.download import check_https, fetch, save_file

API_URL = "https://api.open-meteo.com/v1/forecast"
INPUTS = ("temperature_2m_mean", "wind_speed_10m_mean")
TARGET = "precipitation_sum"


def forecast_url(base_url: str, latitude: float, longitude: float, past_days: int) -> str:
    """The exercise's request: the three daily variables for the past days at one place."""
    query = urllib.parse.urlencode(
        {
            "latitude": latitude,
            "longitude": longitude,
            "past_days": past_days,
            "daily": ",".join([TARGET, *INPUTS]),
        }  # fmt: skip
    )
    return f"{base_url}?{query}"


def daily_rows(answer: dict, source: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (days, 2) and target (days, 1) for the days where all three values are known."""
    daily = answer.get("daily") if isinstance(answer, dict) else None
    missing = [key for key in (TARGET, *INPUTS) if not isinstance((daily or {}).get(key), list)]
    if missing:
        raise UserError(f"{source} has no daily {', '.join(missing)}: not an Open-Meteo answer.")
    columns = [daily[key] for key in (*INPUTS, TARGET)]
    rows = [values for values in zip(*columns, strict=False) if None not in values]
    if not rows:
        raise UserError(f"{source} has no day with all of {', '.join((*INPUTS, TARGET))}.")
    table = torch.tensor(rows, dtype=torch.float32)
    return table[:, :2], table[:, 2:]


class WeatherDataModule(InMemoryDataModule):
    """Open-Meteo daily weather: (temperature, wind) -> precipitation."""

    task = "regression"

    def __init__(
        self,
        data_dir: str = "data",
        latitude: float = 45.78,
        longitude: float = 4.87,
        past_days: int = 30,
        api_url: str = API_URL,
        refresh: bool = False,
        valid_fraction: float = 0.2,
        **loader_options,
    ) -> None:
        super().__init__(**loader_options)
        check_value("data.past_days", past_days, POSITIVE_INT)
        check_https(api_url)
        check_value("data.valid_fraction", valid_fraction)
        self.latitude, self.longitude, self.past_days = latitude, longitude, past_days
        self.url = forecast_url(api_url, latitude, longitude, past_days)
        self.refresh, self.valid_fraction = refresh, valid_fraction
        self.cache = (
            Path(data_dir) / "weather" / f"open-meteo_{latitude}_{longitude}_{past_days}d.json"
        )

    def prepare_data(self) -> None:
        """Ask the API unless a cached answer exists (or `refresh`); keep the cache if it fails."""
        if self.cache.is_file() and not self.refresh:
            return
        try:
            body = fetch(self.url)
            daily_rows(json.loads(body), self.url)
        except (OSError, ValueError, UserError) as error:
            if self.cache.is_file():
                return  # a refresh that failed: the cached answer is still good
            raise UserError(
                f"cannot get the weather from {self.url} ({error}) and there is no cached copy: "
                f"run once with network access, or save the API's JSON answer as {self.cache}."
            ) from None
        save_file(self.cache, body)

    def build_splits(self) -> dict[str, TensorPairDataset]:
        try:
            answer = json.loads(self.cache.read_text())
        except (OSError, ValueError) as error:
            raise UserError(
                f"cannot read {self.cache} ({error}): delete it to download again."
            ) from None
        inputs, target = daily_rows(answer, str(self.cache))
        cut = len(target) - max(1, round(len(target) * self.valid_fraction))
        if cut < 1:
            raise UserError(f"{self.cache} has {len(target)} usable days: too few to split.")
        return {
            "train": TensorPairDataset(inputs[:cut], target[:cut]),
            "valid": TensorPairDataset(inputs[cut:], target[cut:]),
        }
