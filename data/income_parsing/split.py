"""Deterministic dev/test split of the hand-written income statements (raw/*.jsonl).

A case goes to `test` when the first byte of sha256(id) is below 0.45 * 256, else to `dev`.
The split depends on the id only, so adding cases never moves existing ones.
Run: python data/income_parsing/split.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
TEST_SHARE = 0.45


def split() -> tuple[int, int]:
    dev, test = [], []
    for path in sorted((HERE / "raw").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            bucket = hashlib.sha256(case["id"].encode()).digest()[0] / 256
            (test if bucket < TEST_SHARE else dev).append(line)
    (HERE / "dev.jsonl").write_text("\n".join(dev) + "\n", encoding="utf-8")
    (HERE / "test.jsonl").write_text("\n".join(test) + "\n", encoding="utf-8")
    return len(dev), len(test)


if __name__ == "__main__":
    n_dev, n_test = split()
    print(f"dev: {n_dev}  test: {n_test}")
