"""Risk model at run time: a WOE scorecard (logistic regression) read from a JSON artifact.

The artifact is data, not code: bins, weights of evidence, coefficients and texts, in
``model.json``, with ``manifest.json`` beside it holding the SHA-256 of ``model.json``, the
training data set's hash and the held-out metrics. Loading verifies the checksum, so a file that
was edited or damaged is refused (ModelArtifactError); nothing is unpickled.

Scoring: each input value falls in a bin of its feature; the bin's weight of evidence (WOE,
positive = riskier) times the feature's coefficient adds to the log-odds of default. A value the
caller does not have is imputed with the training baseline (the mean WOE of the training rows),
so it moves nothing, and is listed as imputed in the explanation.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from autoglm_ops.core.errors import ModelArtifactError

MODEL_FILE = "model.json"
MANIFEST_FILE = "manifest.json"
ARTIFACT_FORMAT = "autoglm-ops/woe-scorecard-v1"


class FeatureSpec(BaseModel):
    """How a model feature reads platform values and cuts them into bins.

    numeric: bins are ``[edges[i-1], edges[i])``, below the first edge is bin 0; a value above
    ``training_max`` is beyond every training row and is not scored.
    categorical: one bin per category; ``platform_map`` maps platform values to categories, or to
    null for a platform value that has no counterpart in the training data (not scored).
    positive: true when the number is > 0 (e.g. existing monthly repayments → has debt).
    boolean: bins ``false``, ``true``.

    A value that is not scored is imputed at the training baseline, as a missing one is, and
    :meth:`unscored_reason` says why: the model does not extrapolate its WOE beyond its data.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["numeric", "categorical", "boolean", "positive"]
    inputs: list[str] = Field(min_length=1)  # platform values to read, first non-null wins
    edges: list[float] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    platform_map: dict[str, str | None] = Field(default_factory=dict)
    training_max: float | None = None  # numeric: larger values are outside the training data
    label_zh: str
    label_en: str
    unit_zh: str = ""
    unit_en: str = ""
    value_format: str = ""  # format spec for numbers and edges in texts, e.g. ".0%"
    bin_names_zh: list[str] = Field(default_factory=list)  # readable bin names (default: labels)
    bin_names_en: list[str] = Field(default_factory=list)
    proxy: bool = False  # the training column only approximates the platform value
    group: Literal["application", "bureau"] = "application"
    note: str = ""

    @model_validator(mode="after")
    def _bins_defined(self) -> FeatureSpec:
        if self.kind == "numeric" and (not self.edges or self.edges != sorted(set(self.edges))):
            raise ValueError(f"feature {self.name}: numeric edges must be increasing")
        n = len(self.bin_labels) if self.kind != "categorical" else len(self.categories)
        for names in (self.bin_names_zh, self.bin_names_en):
            if names and len(names) != n:
                raise ValueError(f"feature {self.name}: {len(names)} bin names for {n} bins")
        if self.kind == "categorical":
            if not self.categories:
                raise ValueError(f"feature {self.name}: categorical needs categories")
            bad = {v for v in self.platform_map.values() if v is not None} - set(self.categories)
            if bad:
                raise ValueError(f"feature {self.name}: platform_map targets unknown {sorted(bad)}")
        return self

    @property
    def bin_labels(self) -> list[str]:
        if self.kind == "numeric":
            e = [format(x, self.value_format or "g") for x in self.edges]
            return [f"<{e[0]}"] + [f"{a}–{b}" for a, b in itertools.pairwise(e)] + [f"≥{e[-1]}"]
        if self.kind == "categorical":
            return list(self.categories)
        return ["false", "true"]

    def bin_name(self, idx: int, lang: Literal["zh", "en"]) -> str:
        names = self.bin_names_zh if lang == "zh" else self.bin_names_en
        return names[idx] if names else self.bin_labels[idx]

    def show(self, value: Any) -> str:
        """A value as texts print it."""
        if self.value_format and isinstance(value, int | float) and not isinstance(value, bool):
            return format(value, self.value_format)
        return _fmt(value)

    def read(self, values: Mapping[str, Any]) -> Any:
        """The first non-null platform value among ``inputs``."""
        for name in self.inputs:
            v = values.get(name)
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                return v
        return None

    def bin_of(self, value: Any) -> int | None:
        """The bin index of a value; None when missing or not usable (then it is imputed)."""
        if value is None:
            return None
        if self.kind == "numeric" or self.kind == "positive":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            x = float(value)
            if not math.isfinite(x):
                return None
            if self.kind == "positive":
                return int(x > 0)
            if self.training_max is not None and x > self.training_max:
                return None
            return sum(1 for edge in self.edges if x >= edge)
        if self.kind == "boolean":
            return int(value) if isinstance(value, bool) else None
        key = str(value)
        category = key if key in self.categories else self.platform_map.get(key)
        return None if category is None else self.categories.index(category)

    def unscored_reason(
        self, value: Any
    ) -> Literal["missing", "no_counterpart", "beyond_training_data", "unrecognised"] | None:
        """Why a value is not scored (None when it is)."""
        if value is None:
            return "missing"
        if self.bin_of(value) is not None:
            return None
        if self.kind == "categorical" and str(value) in self.platform_map:
            return "no_counterpart"
        if (
            self.kind == "numeric"
            and self.training_max is not None
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and float(value) > self.training_max
        ):
            return "beyond_training_data"
        return "unrecognised"


class ScoredFeature(FeatureSpec):
    """A feature with what training learned: WOE per bin, the baseline and the coefficient."""

    woe: list[float]
    baseline_woe: float
    coef: float
    bin_counts: list[int] = Field(default_factory=list)
    bin_bad_rates: list[float | None] = Field(default_factory=list)

    @model_validator(mode="after")
    def _woe_per_bin(self) -> ScoredFeature:
        if len(self.woe) != len(self.bin_labels):
            raise ValueError(
                f"feature {self.name}: {len(self.woe)} WOE values for {len(self.bin_labels)} bins"
            )
        return self


class ScorecardScale(BaseModel):
    """Points = offset − factor × log-odds(bad); ``pdo`` points double the good:bad odds."""

    base_score: float = 600.0
    base_odds: float = 20.0  # good:bad odds at base_score
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)


class ModelSpec(BaseModel):
    """The content of model.json."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["autoglm-ops/woe-scorecard-v1"]
    name: str
    version: str
    intercept: float
    features: list[ScoredFeature] = Field(min_length=1)
    scorecard: ScorecardScale = Field(default_factory=ScorecardScale)


class RiskFactor(BaseModel):
    """One feature's part in a prediction."""

    factor: str
    label_zh: str
    label_en: str
    value: Any = None
    bin: str | None = None
    contribution: float  # log-odds of default relative to the training baseline
    points: float  # scorecard points relative to the baseline (negative = riskier)
    direction: Literal["increases_risk", "decreases_risk", "neutral", "unknown"]
    imputed: bool = False
    proxy: bool = False
    text_zh: str
    text_en: str


class RiskPrediction(BaseModel):
    """Probability of default, score and explanation for one application."""

    model: str  # name@version
    pd: float = Field(ge=0.0, le=1.0)
    score: float
    factors: list[RiskFactor]  # the largest contributions first
    imputed: list[RiskFactor] = Field(default_factory=list)


_UNSCORED_TEXT = {
    "missing": ("未提供", "not provided"),
    "no_counterpart": ("在训练数据中无对应类别", "has no counterpart in the training data"),
    "beyond_training_data": ("超出训练数据的取值范围", "is beyond the training data's range"),
    "unrecognised": ("取值无法识别", "not recognised"),
}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return (
            f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:,.0f}"
        )
    return str(value)


class RiskModel:
    """A loaded scorecard. Build with :meth:`load` (checksum-verified) or :meth:`from_spec`."""

    def __init__(self, spec: ModelSpec, manifest: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        self.manifest: dict[str, Any] = dict(manifest or {})

    @property
    def version_tag(self) -> str:
        return f"{self.spec.name}@{self.spec.version}"

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.spec.features]

    @classmethod
    def from_spec(cls, spec: ModelSpec, manifest: Mapping[str, Any] | None = None) -> RiskModel:
        return cls(spec, manifest)

    @classmethod
    def load(cls, folder: str | Path) -> RiskModel:
        """Load model.json, verifying its SHA-256 against manifest.json."""
        root = Path(folder)
        try:
            manifest = json.loads((root / MANIFEST_FILE).read_text(encoding="utf-8"))
            raw = (root / MODEL_FILE).read_bytes()
        except OSError as exc:
            raise ModelArtifactError(
                f"risk model in {root}: cannot read {exc.filename}: {exc.strerror}; "
                "train one with `autoglm-ops risk train`"
            ) from None
        except json.JSONDecodeError:
            raise ModelArtifactError(f"risk model in {root}: {MANIFEST_FILE} is not JSON") from None
        expected = manifest.get("model_sha256") if isinstance(manifest, dict) else None
        actual = hashlib.sha256(raw).hexdigest()
        if not expected or actual != expected:
            raise ModelArtifactError(
                f"risk model in {root}: {MODEL_FILE} checksum mismatch (manifest {expected}, "
                f"file {actual}); the file was changed after training - retrain or restore it",
                details={"expected_sha256": expected, "actual_sha256": actual},
            )
        try:
            spec = ModelSpec.model_validate_json(raw)
        except PydanticValidationError as exc:
            raise ModelArtifactError(
                f"risk model in {root}: {MODEL_FILE} is not a valid scorecard: "
                f"{exc.errors()[0].get('msg')}"
            ) from None
        return cls(spec, manifest)

    def predict(self, values: Mapping[str, Any], top_k: int = 5) -> RiskPrediction:
        """PD, score and the ``top_k`` largest contributions for one application.

        ``values`` are the extracted fields plus the policy's derived values
        (``Policy.derive``), and optionally bureau values the bank has (see the mapping file).
        """
        spec = self.spec
        scale = spec.scorecard
        logit = spec.intercept + sum(f.coef * f.baseline_woe for f in spec.features)
        factors: list[RiskFactor] = []
        imputed: list[RiskFactor] = []
        for feat in spec.features:
            value = feat.read(values)
            idx = feat.bin_of(value)
            if idx is None:
                imputed.append(self._imputed_factor(feat, value))
                continue
            contribution = feat.coef * (feat.woe[idx] - feat.baseline_woe)
            logit += contribution
            factors.append(self._factor(feat, value, idx, contribution, scale.factor))
        factors.sort(key=lambda f: -abs(f.contribution))
        pd = _sigmoid(logit)
        score = scale.offset - scale.factor * logit
        return RiskPrediction(
            model=self.version_tag,
            pd=pd,
            score=round(score, 1),
            factors=factors[:top_k],
            imputed=imputed,
        )

    @staticmethod
    def _factor(
        feat: ScoredFeature, value: Any, idx: int, contribution: float, factor: float
    ) -> RiskFactor:
        label = feat.bin_labels[idx]
        if abs(contribution) < 1e-6:
            direction: Literal["increases_risk", "decreases_risk", "neutral"] = "neutral"
            zh, en = "对违约风险影响不大", "has little effect on default risk"
        elif contribution > 0:
            direction, zh, en = "increases_risk", "提高违约风险", "raises default risk"
        else:
            direction, zh, en = "decreases_risk", "降低违约风险", "lowers default risk"
        numeric = feat.kind == "numeric"
        shown = f"（{feat.show(value)}{feat.unit_zh}）" if numeric else ""
        shown_en = f" ({feat.show(value)}{feat.unit_en})" if numeric else ""
        proxy_zh = "（代理变量）" if feat.proxy else ""
        proxy_en = " (proxy)" if feat.proxy else ""
        return RiskFactor(
            factor=feat.name,
            label_zh=feat.label_zh,
            label_en=feat.label_en,
            value=value,
            bin=label,
            contribution=round(contribution, 4),
            points=round(-factor * contribution, 1),
            direction=direction,
            proxy=feat.proxy,
            text_zh=f"{feat.label_zh}{proxy_zh}：{feat.bin_name(idx, 'zh')}{shown}，{zh}",
            text_en=f"{feat.label_en}{proxy_en}: {feat.bin_name(idx, 'en')}{shown_en} - {en}",
        )

    @staticmethod
    def _imputed_factor(feat: ScoredFeature, value: Any) -> RiskFactor:
        why_zh, why_en = _UNSCORED_TEXT[feat.unscored_reason(value) or "unrecognised"]
        return RiskFactor(
            factor=feat.name,
            label_zh=feat.label_zh,
            label_en=feat.label_en,
            value=None,
            bin=None,
            contribution=0.0,
            points=0.0,
            direction="unknown",
            imputed=True,
            proxy=feat.proxy,
            text_zh=f"{feat.label_zh}{why_zh}，按训练样本平均水平处理",
            text_en=f"{feat.label_en} {why_en}; imputed at the training baseline",
        )


def default_model_dir() -> Path:
    """The folder of the model shipped in the package."""
    return Path(str(resources.files("autoglm_ops.decision") / "models" / "german_credit"))


def default_risk_model() -> RiskModel:
    """The shipped German-credit scorecard, checksum-verified."""
    return RiskModel.load(default_model_dir())


def write_artifact(folder: str | Path, spec: ModelSpec, manifest: Mapping[str, Any]) -> Path:
    """Write model.json and manifest.json (with the model's SHA-256) into ``folder``."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    raw = (json.dumps(spec.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n").encode()
    (root / MODEL_FILE).write_bytes(raw)
    full = {**manifest, "model_file": MODEL_FILE, "model_sha256": hashlib.sha256(raw).hexdigest()}
    (root / MANIFEST_FILE).write_text(
        json.dumps(full, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return root
