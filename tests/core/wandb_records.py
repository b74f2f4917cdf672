"""Read back an offline W&B run: the records of its `run-<id>.wandb` file.

wandb 0.31 writes offline runs only as this transaction log (its Python reader was removed
when the SDK moved to the Go `wandb-core`). The file is a LevelDB-style log: a 7-byte
header (":W&B", magic 0xBEE1, version 0), then 32 KiB blocks of chunks, each with a 7-byte
header (CRC-32, length, type: full / first / middle / last); a record is one protobuf
`wandb_internal_pb2.Record`, parsed here with wandb's own schema.
"""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

from wandb.proto import wandb_internal_pb2

FILE_HEADER = struct.Struct("<4sHB")
CHUNK_HEADER = struct.Struct("<IHB")
BLOCK_SIZE = 32 * 1024
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def raw_records(path: Path) -> list[bytes]:
    data = path.read_bytes()
    ident, magic, version = FILE_HEADER.unpack_from(data)
    assert (ident, magic, version) == (b":W&B", 0xBEE1, 0), f"{path} is not a W&B run file"
    records, pending, offset = [], b"", FILE_HEADER.size
    while offset + CHUNK_HEADER.size <= len(data):
        left_in_block = BLOCK_SIZE - offset % BLOCK_SIZE
        if left_in_block < CHUNK_HEADER.size:  # zero padding at the end of a block
            offset += left_in_block
            continue
        _crc, length, kind = CHUNK_HEADER.unpack_from(data, offset)
        offset += CHUNK_HEADER.size
        chunk, offset = data[offset : offset + length], offset + length
        if kind == 0 and length == 0:
            break  # preallocated, never written
        pending = chunk if kind in (FULL, FIRST) else pending + chunk
        if kind in (FULL, LAST):
            records.append(pending)
            pending = b""
    return records


def item_key(item) -> str:
    return item.key or "/".join(item.nested_key)


def records(path: Path) -> list:
    parsed = []
    for raw in raw_records(path):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        parsed.append(record)
    return parsed


def finished_records(path: Path, timeout: float = 60.0) -> list:
    """The run's records once its closing "exit" record is on disk.

    `run.finish()` can return before wandb-core has flushed the file, so wait for it.
    """
    deadline = time.monotonic() + timeout
    while True:
        parsed = records(path)
        if parsed and parsed[-1].WhichOneof("record_type") == "exit":
            return parsed
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} has no exit record after {timeout:.0f} s")
        time.sleep(0.2)


def read_run(path: Path) -> tuple[dict, list[dict]]:
    """(config, history rows) of a finished offline run; values decoded from JSON."""
    config: dict = {}
    history: list[dict] = []
    for record in finished_records(path):
        kind = record.WhichOneof("record_type")
        if kind == "config":
            for item in record.config.update:
                config[item_key(item)] = json.loads(item.value_json)
        elif kind == "history":
            history.append({item_key(i): json.loads(i.value_json) for i in record.history.item})
    return config, history
