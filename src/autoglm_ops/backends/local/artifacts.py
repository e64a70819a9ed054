"""Model artifacts: a directory with JSON weights, a manifest and per-file sha256 checksums.

Layout::

    model.json      every classifier's vocabulary, weights and intercepts (JSON, no pickle)
    manifest.json   task, version, feature version, created_at, sha256 of the training data,
                    held-out metrics, training config, library versions, and the sha256 of
                    every other file

``load_artifact`` verifies every checksum before parsing anything, so a missing, truncated or
tampered file is a :class:`~autoglm_ops.core.errors.ModelArtifactError` that says how to rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from datetime import UTC, datetime
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from autoglm_ops.backends.local.features import FEATURE_VERSION
from autoglm_ops.backends.local.model import IncomeModel
from autoglm_ops.core.errors import ModelArtifactError

__all__ = [
    "MANIFEST",
    "MODEL_FILE",
    "default_model_dir",
    "file_sha256",
    "load_artifact",
    "save_artifact",
]

MANIFEST = "manifest.json"
MODEL_FILE = "model.json"
TASK = "income_parsing"
_FIX = "rebuild it with `make models` (or `autoglm-ops train`), or point local_model_dir elsewhere"
_LIBS = ("autoglm-ops", "scikit-learn", "numpy", "scipy", "cn2an")


def default_model_dir() -> Path:
    """The model shipped inside the package (``autoglm_ops/models/income_parsing``)."""
    return Path(str(resources.files("autoglm_ops") / "models" / TASK))


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in _LIBS:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def _created_at() -> str:
    # SOURCE_DATE_EPOCH makes a rebuild byte-identical, manifest included
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return when.replace(microsecond=0).isoformat()


def save_artifact(
    model: IncomeModel,
    out_dir: Path,
    *,
    version: str,
    data_sha256: str,
    metrics: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``model`` to ``out_dir`` (created if needed) and return the manifest written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_FILE
    payload = json.dumps(model.to_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    model_path.write_text(payload + "\n", encoding="utf-8")
    manifest: dict[str, Any] = {
        "task": TASK,
        "backend": "local",
        "version": version,
        "feature_version": FEATURE_VERSION,
        "format": "json-linear-v1",
        "created_at": _created_at(),
        "training_data_sha256": data_sha256,
        "metrics_heldout_dev_folds": metrics,
        **(extra or {}),
        "library_versions": _versions(),
        "files": {MODEL_FILE: file_sha256(model_path)},
    }
    (out_dir / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def load_artifact(path: Path) -> tuple[IncomeModel, dict[str, Any]]:
    """Verify and load a model directory; every failure is a ModelArtifactError."""
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise ModelArtifactError(f"model directory {path} has no {MANIFEST}; {_FIX}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelArtifactError(f"{manifest_path} is unreadable or malformed; {_FIX}") from None
    if manifest.get("task") != TASK:
        raise ModelArtifactError(
            f"model in {path} is for task {manifest.get('task')!r}, not {TASK!r}; {_FIX}"
        )
    if manifest.get("feature_version") != FEATURE_VERSION:
        raise ModelArtifactError(
            f"model in {path} was trained on feature version {manifest.get('feature_version')!r},"
            f" this code computes version {FEATURE_VERSION!r}; {_FIX}"
        )
    if MODEL_FILE not in files:
        raise ModelArtifactError(f"{manifest_path} lists no {MODEL_FILE}; {_FIX}")
    for name, digest in files.items():
        file = path / name
        if Path(name).name != name:
            raise ModelArtifactError(f"{manifest_path} lists a file outside the directory; {_FIX}")
        if not file.is_file():
            raise ModelArtifactError(f"model file {file} is missing; {_FIX}")
        if file_sha256(file) != digest:
            raise ModelArtifactError(
                f"model file {file} does not match its sha256 in {MANIFEST} "
                f"(corrupt or tampered); {_FIX}"
            )
    try:
        model = IncomeModel.from_json(json.loads((path / MODEL_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelArtifactError(f"{path / MODEL_FILE} is malformed; {_FIX}") from None
    return model, manifest
