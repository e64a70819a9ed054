"""Deterministic dev/test split of the hand-written loan_application narratives.

Run from anywhere: ``python data/loan_application/split.py``. A case goes to dev or test by a
SHA-256 hash of its id alone, so adding cases never moves existing ones between the splits.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEV_PERCENT = 40


def assign(case_id: str) -> str:
    """The split (``"dev"`` or ``"test"``) a case id belongs to."""
    bucket = int(hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "dev" if bucket < DEV_PERCENT else "test"


def main() -> None:
    """Rewrite dev.jsonl and test.jsonl from raw/*.jsonl, keeping the raw order."""
    parts: dict[str, list[str]] = {"dev": [], "test": []}
    for path in sorted((HERE / "raw").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                parts[assign(case["id"])].append(json.dumps(case, ensure_ascii=False))
    for name, lines in parts.items():
        (HERE / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(lines)}")


if __name__ == "__main__":
    main()
