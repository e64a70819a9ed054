"""Kubernetes manifests: schema-valid offline (kubernetes-validate ships the OpenAPI schemas) and
carrying the operational facts the product promises (seed §4.4)."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from autoglm_ops.core.settings import Settings

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate (dev extra) is not installed"
)

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
# the oldest Kubernetes release still common in managed offerings, and the newest schemas shipped
VERSIONS = ["1.27.0", kubernetes_validate.utils.latest_version()]
SECRET_ENV = {"AUTOGLM_DATABASE_URL", "AUTOGLM_SECRET_KEY", "AUTOGLM_LLM_API_KEY"}


def _kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))


def _resources() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for name in _kustomization()["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d]
    return docs


RESOURCES = _resources()


def _one(kind: str, component: str | None = None) -> dict[str, Any]:
    found = [
        r
        for r in RESOURCES
        if r["kind"] == kind
        and (
            component is None
            or r["metadata"]["labels"].get("app.kubernetes.io/component") == component
        )
    ]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def _pod_spec(kind: str, component: str) -> dict[str, Any]:
    obj = _one(kind, component)
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


_UNITS = {"m": 1e-3, "": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}


def quantity(value: str | int) -> float:
    """A Kubernetes resource quantity ("500m", "2", "512Mi") as a number."""
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert m and m.group(2) in _UNITS, f"unsupported quantity {value!r}"
    return float(m.group(1)) * _UNITS[m.group(2)]


# --- schema validation ----------------------------------------------------------------------


def test_kustomization_lists_every_manifest() -> None:
    listed = set(_kustomization()["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "resource", RESOURCES, ids=lambda r: f"{r['kind']}/{r['metadata']['name']}"
)
def test_manifest_validates_strictly_against_kubernetes_schema(
    resource: dict[str, Any], version: str
) -> None:
    kubernetes_validate.validate(resource, version, strict=True)


def test_validator_rejects_a_misspelt_field() -> None:
    """Guards against a validator that silently passes everything (e.g. no schemas found)."""
    broken = copy.deepcopy(_one("Deployment"))
    broken["spec"]["replica"] = broken["spec"].pop("replicas")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (for kustomize) not installed")
def test_kustomize_renders_all_resources_with_the_image_tag() -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    rendered = [d for d in yaml.safe_load_all(out) if d]
    key = lambda r: (r["kind"], r["metadata"]["name"])  # noqa: E731
    assert sorted(map(key, rendered)) == sorted(map(key, RESOURCES))
    tag = _kustomization()["images"][0]["newTag"]
    images = re.findall(r"image: (\S+)", out)
    assert images and all(i == f"autoglm-ops:{tag}" for i in images)


# --- the service ----------------------------------------------------------------------------


def test_deployment_runs_the_service_with_probes_on_health_endpoints() -> None:
    [container] = _pod_spec("Deployment", "api")["containers"]
    assert container["command"] == ["autoglm-ops", "serve", "--host", "0.0.0.0"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000, "grpc": 50051}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


@pytest.mark.parametrize(("kind", "component"), [("Deployment", "api"), ("CronJob", "batch")])
def test_every_container_requests_no_more_than_its_limits(kind: str, component: str) -> None:
    for container in _pod_spec(kind, component)["containers"]:
        res = container["resources"]
        assert set(res["requests"]) == set(res["limits"]) == {"cpu", "memory"}
        for name in ("cpu", "memory"):
            assert 0 < quantity(res["requests"][name]) <= quantity(res["limits"][name])


def test_memory_is_derived_from_the_measured_peak() -> None:
    """The API pods request at least 1.5x the peak RSS that bench.memory measured, and the
    limit is at least the request (docs/bench/memory.md is what bench.memory wrote)."""
    report = (K8S.parents[1] / "docs" / "bench" / "memory.md").read_text(encoding="utf-8")
    m = re.search(r"Peak over both backends: (\d+) MiB", report)
    assert m, "docs/bench/memory.md has no measured peak; run .venv/bin/python -m bench.memory"
    peak = float(m.group(1)) * 2**20
    for kind, component in (("Deployment", "api"), ("CronJob", "batch")):
        for container in _pod_spec(kind, component)["containers"]:
            res = container["resources"]
            request, limit = quantity(res["requests"]["memory"]), quantity(res["limits"]["memory"])
            assert request >= 1.5 * peak, (kind, request, peak)
            assert limit >= request


@pytest.mark.parametrize(("kind", "component"), [("Deployment", "api"), ("CronJob", "batch")])
def test_pods_run_non_root_with_a_read_only_root_and_writable_tmp(
    kind: str, component: str
) -> None:
    spec = _pod_spec(kind, component)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec["automountServiceAccountToken"] is False
    empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
    for container in spec["containers"]:
        sc = container["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert mounts["/tmp"] in empty_dirs
        assert mounts["/var/lib/autoglm"] in empty_dirs  # AUTOGLM_DATA_DIR


def test_secrets_are_referenced_never_inline() -> None:
    assert not [r for r in RESOURCES if r["kind"] == "Secret"], "Secrets are created out of band"
    secretish = re.compile(r"KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL")
    config = _one("ConfigMap")
    assert not [k for k in config["data"] if secretish.search(k)]
    for kind, component in [("Deployment", "api"), ("CronJob", "batch")]:
        for container in _pod_spec(kind, component)["containers"]:
            for env in container.get("env", []):
                if secretish.search(env["name"]):
                    assert "value" not in env, env["name"]
                    assert env["valueFrom"]["secretKeyRef"]["name"] == "autoglm-ops-secrets"
            refs = [s["configMapRef"]["name"] for s in container["envFrom"]]
            assert refs == [config["metadata"]["name"]]
    [api] = _pod_spec("Deployment", "api")["containers"]
    assert {e["name"] for e in api["env"] if "secretKeyRef" in e.get("valueFrom", {})} == SECRET_ENV


def test_every_environment_variable_is_a_real_setting() -> None:
    """A typo in an env name would be silently ignored by pydantic-settings."""
    names = set(_one("ConfigMap")["data"]) | SECRET_ENV
    fields = {f"AUTOGLM_{name.upper()}" for name in Settings.model_fields}
    assert names <= fields, names - fields


def test_service_selects_the_api_pods_and_names_their_ports() -> None:
    service = _one("Service")
    deployment = _one("Deployment", "api")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert {(p["port"], p["targetPort"]) for p in service["spec"]["ports"]} == {
        (8000, "http"),
        (50051, "grpc"),
    }


def test_hpa_scales_the_deployment_2_to_10_at_70_percent_cpu() -> None:
    hpa = _one("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == (
        "Deployment",
        _one("Deployment")["metadata"]["name"],
    )
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    [metric] = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    # utilisation is relative to the request, so a CPU request must exist
    [container] = _pod_spec("Deployment", "api")["containers"]
    assert quantity(container["resources"]["requests"]["cpu"]) > 0


def test_pdb_keeps_one_api_pod() -> None:
    pdb = _one("PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    pod_labels = _one("Deployment", "api")["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_batch_cronjob_runs_on_spot_nodes_and_survives_preemption() -> None:
    cron = _one("CronJob", "batch")
    spec = _pod_spec("CronJob", "batch")
    assert "spot" in {str(v).lower() for v in spec["nodeSelector"].values()}
    selector_keys = set(spec["nodeSelector"])
    assert selector_keys <= {t["key"] for t in spec["tolerations"]}
    job = cron["spec"]["jobTemplate"]["spec"]
    [rule] = job["podFailurePolicy"]["rules"]
    assert rule["action"] == "Ignore"
    assert rule["onPodConditions"][0]["type"] == "DisruptionTarget"
    assert spec["restartPolicy"] == "Never"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = spec["containers"]
    assert container["command"][:2] == ["autoglm-ops", "extract"]


def _parse_cli(argv: list[str]) -> dict[str, Any]:
    """Parse a command line with the real CLI (without running it); returns the parameters."""
    import typer

    from autoglm_ops.cli.main import app

    assert argv[0] == "autoglm-ops"
    # typer vendors its own click; stay on its objects (context_class) rather than import click
    group: Any = typer.main.get_command(app)
    name, command, rest = group.resolve_command(group.context_class(group), argv[1:])
    assert name is not None and command is not None
    return dict(command.make_context(name, rest).params)


@pytest.mark.parametrize(("kind", "component"), [("Deployment", "api"), ("CronJob", "batch")])
def test_container_commands_are_valid_cli_invocations(kind: str, component: str) -> None:
    [container] = _pod_spec(kind, component)["containers"]
    params = _parse_cli(container["command"])
    if component == "api":
        assert params["host"] == "0.0.0.0"
    else:
        assert params["file"] and params["out"] and params["task"] == "income_parsing"


def test_cli_parse_helper_rejects_an_unknown_option() -> None:
    with pytest.raises(Exception, match="No such option"):
        _parse_cli(["autoglm-ops", "serve", "--hots", "0.0.0.0"])
