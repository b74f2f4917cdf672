"""What a name that becomes part of a path must be: one plain folder or config option name.

No separator, not `.` or `..`, nothing a shell needs quoted: a `task_name`, the data and
model options a checkpoint names, the parts of a run's name.
"""

from __future__ import annotations

import re

CHARACTERS = "A-Za-z0-9_.+-"
PLAIN_NAME = re.compile(rf"[A-Za-z0-9_][{CHARACTERS}]*")


def is_plain_name(name: object) -> bool:
    return isinstance(name, str) and PLAIN_NAME.fullmatch(name) is not None


def plain_characters(text: str) -> str:
    """`text` with only the characters a plain name may hold."""
    return re.sub(rf"[^{CHARACTERS}]+", "", text)
