"""The committed stubs are exactly what scripts/gen-proto.sh makes from proto/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

GEN = REPO / "src" / "autoglm_ops" / "api" / "grpc" / "gen"


def test_committed_stubs_are_up_to_date(tmp_path: Path) -> None:
    pytest.importorskip("grpc_tools", reason="grpcio-tools (dev extra) generates the stubs")
    env = {**os.environ, "PYTHON": sys.executable}
    subprocess.run(
        ["bash", str(REPO / "scripts" / "gen-proto.sh"), str(tmp_path)],
        check=True,
        env=env,
        timeout=60,
    )
    fresh = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in GEN.iterdir() if p.is_file())
    assert fresh == committed
    stale = [n for n in fresh if (tmp_path / n).read_bytes() != (GEN / n).read_bytes()]
    assert not stale, f"{stale} are stale: run `bash scripts/gen-proto.sh` and commit the result"


def test_stubs_import_and_name_the_service() -> None:
    from autoglm_ops.api.grpc.gen import prediction_pb2

    service = prediction_pb2.DESCRIPTOR.services_by_name["PredictionService"]
    assert service.full_name == "autoglm_ops.v1.PredictionService"
    assert {m.name for m in service.methods} == {"Predict", "Extract", "GetRequest"}
    assert prediction_pb2.DESCRIPTOR.name == "autoglm_ops/v1/prediction.proto"
