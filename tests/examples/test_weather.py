"""The Open-Meteo client: request, cache, offline behaviour, and the exercise's loader."""

from __future__ import annotations

import json
import urllib.parse

import pytest
import torch

from minibatch.errors import UserError
from minibatch.examples.data.weather import WeatherDataModule
from tests.examples.fake_data import fake_weather_answer, write_weather_cache
from tests.examples.local_server import Route


def weather(tmp_path, url: str, **options) -> WeatherDataModule:
    return WeatherDataModule(
        data_dir=str(tmp_path), api_url=url, batch_size=10, shuffle=False, **options
    )


def test_fetches_the_exercise_request_and_caches_it(local_server, tmp_path):
    local_server.routes["/v1/forecast"] = Route(json.dumps(fake_weather_answer()).encode())
    datamodule = weather(tmp_path, f"{local_server.url}/v1/forecast")
    datamodule.prepare_data()
    (request,) = local_server.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request).query)
    assert query["latitude"] == ["45.78"] and query["longitude"] == ["4.87"]
    assert query["past_days"] == ["30"]
    assert set(query["daily"][0].split(",")) == {
        "precipitation_sum", "temperature_2m_mean", "wind_speed_10m_mean"}  # fmt: skip
    assert datamodule.cache.is_file()
    datamodule.prepare_data()
    assert len(local_server.requests) == 1, "the cache answers the second time"


def test_batches_of_ten_in_date_order_with_unknown_days_dropped(tmp_path):
    answer = fake_weather_answer(days=37, missing_last=2)
    write_weather_cache(tmp_path, answer)
    datamodule = weather(tmp_path, "https://127.0.0.1:9/v1/forecast")
    datamodule.setup()
    train, valid = datamodule.splits["train"], datamodule.splits["valid"]
    assert len(train) + len(valid) == 35 and len(valid) == 7
    daily = answer["daily"]
    assert train.features[0].tolist() == pytest.approx(
        [daily["temperature_2m_mean"][0], daily["wind_speed_10m_mean"][0]])  # fmt: skip
    assert train.targets[0].item() == pytest.approx(daily["precipitation_sum"][0])
    batches = list(datamodule.train_dataloader())
    assert [len(y) for _, y in batches] == [10, 10, 8]
    assert torch.equal(batches[0][0], train.features[:10]), "no shuffle, as in the exercise"


def test_offline_without_cache_is_one_sentence(tmp_path):
    datamodule = weather(tmp_path, "https://127.0.0.1:9/v1/forecast")
    with pytest.raises(UserError, match="no cached copy") as error:
        datamodule.prepare_data()
    assert str(datamodule.cache) in str(error.value)
    assert not datamodule.cache.exists()


def test_failed_refresh_keeps_the_cache(tmp_path):
    write_weather_cache(tmp_path)
    datamodule = weather(tmp_path, "https://127.0.0.1:9/v1/forecast", refresh=True)
    datamodule.prepare_data()
    datamodule.setup()
    assert len(datamodule.splits["train"]) == 28


def test_an_answer_without_daily_values_is_refused(local_server, tmp_path):
    local_server.routes["/v1/forecast"] = Route(b'{"error": true, "reason": "bad request"}')
    with pytest.raises(UserError, match="not an Open-Meteo answer"):
        weather(tmp_path, f"{local_server.url}/v1/forecast").prepare_data()


def test_a_plain_http_api_url_is_refused_before_any_connection(plain_http_server, tmp_path):
    plain_http_server.routes["/v1/forecast"] = Route(json.dumps(fake_weather_answer()).encode())
    write_weather_cache(tmp_path)  # a refresh that failed would fall back on it silently
    with pytest.raises(UserError, match="is not an https:// URL"):
        weather(tmp_path, f"{plain_http_server.url}/v1/forecast", refresh=True)
    assert plain_http_server.requests == []
