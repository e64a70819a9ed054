"""Training and evaluation of the WOE scorecard on a labelled credit data set.

The mapping file (``mappings/german_credit.yaml``) is configuration: it says how each column of
the training data becomes a platform value (duration → term_months, purpose codes → purpose
groups, ...), how values are cut into bins, and the split, seed, WOE shrinkage and
regularisation. A bank retrains on its own data by writing its own mapping.

The scikit-learn pipeline is ``WOEEncoder → LogisticRegression``; what it learned is exported as
plain numbers into a :class:`~autoglm_ops.decision.risk.ModelSpec` (JSON), and held-out metrics
are computed through the run-time scorer, so the numbers in the manifest are the numbers of the
artifact that ships.
"""

from __future__ import annotations

import hashlib
import math
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline

from autoglm_ops.core.errors import ConfigurationError
from autoglm_ops.decision.risk import (
    ARTIFACT_FORMAT,
    FeatureSpec,
    ModelSpec,
    RiskModel,
    ScorecardScale,
    ScoredFeature,
)

DEFAULT_DATA = Path("../shared/data/credit/german.data")


class SourceSpec(BaseModel):
    """Where a feature comes from in the training file."""

    model_config = ConfigDict(extra="forbid")

    column: str
    scale: float = 1.0  # numeric columns: platform value = raw × scale
    codes: dict[str, Any] | None = None  # coded columns: raw code → platform value


class MappingFeature(FeatureSpec):
    source: SourceSpec


class DatasetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    citation: str = ""
    label_column: str
    bad_value: str
    good_value: str


class SplitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    test_size: float = Field(0.3, gt=0, lt=1)
    seed: int = 42


class TrainingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    C: float = Field(1.0, gt=0)  # inverse L2 strength of the logistic regression
    # A negative coefficient on a WOE column flips the meaning of its bins (collinearity with
    # other features); scorecard practice leaves such a feature out and refits.
    drop_sign_flips: bool = True
    smoothing: float = Field(0.5, ge=0)  # added to bad/good counts per bin (no infinite WOE)
    # m-estimate: each bin also gets prior_rows pseudo-rows at the overall bad rate, so a bin of
    # n rows keeps about n / (n + prior_rows) of its own evidence (small bins shrink towards 0)
    prior_rows: float = Field(0.0, ge=0)
    cv_folds: int = Field(5, ge=2)
    cost_bad_accepted: float = 5.0  # cost matrix of the data set's documentation
    cost_good_rejected: float = 1.0


class RiskMapping(BaseModel):
    """The mapping file: data set → platform values, bins, split and training settings."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    description: str = ""
    dataset: DatasetSpec
    split: SplitSpec = Field(default_factory=SplitSpec)
    training: TrainingSpec = Field(default_factory=TrainingSpec)
    scorecard: ScorecardScale = Field(default_factory=ScorecardScale)
    features: list[MappingFeature] = Field(min_length=1)


def default_mapping_path() -> Path:
    return Path(str(resources.files("autoglm_ops.decision") / "mappings" / "german_credit.yaml"))


def load_mapping(path: str | Path | None = None) -> RiskMapping:
    """Read and check a mapping file; ConfigurationError names the file and the problem."""
    p = Path(path) if path is not None else default_mapping_path()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        return RiskMapping.model_validate(data)
    except OSError as exc:
        raise ConfigurationError(f"risk mapping {p}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError:
        raise ConfigurationError(f"risk mapping {p}: not valid YAML") from None
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()))
        raise ConfigurationError(f"risk mapping {p}: {loc}: {err.get('msg')}") from None


@dataclass
class Dataset:
    """A training file read through a mapping: platform values, bin indices and labels."""

    values: list[dict[str, Any]]  # per row: feature name -> platform value
    bins: NDArray[np.int64]  # n × k, -1 where a value is missing
    y: NDArray[np.int64]  # 1 = bad (default)
    sha256: str
    path: str


def read_dataset(path: str | Path, mapping: RiskMapping) -> Dataset:
    """Read a whitespace-separated file with a header line (the shared German credit copy)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"training data {p}: cannot read: {exc.strerror}; pass --data"
        ) from None
    lines = [ln.split() for ln in raw.decode("utf-8").splitlines() if ln.strip()]
    if len(lines) < 2:
        raise ConfigurationError(f"training data {p}: no rows")
    header, rows = lines[0], lines[1:]
    spec = mapping.dataset
    needed = [spec.label_column, *(f.source.column for f in mapping.features)]
    missing = [c for c in needed if c not in header]
    if missing:
        raise ConfigurationError(f"training data {p}: no column {missing[0]!r} in the header")
    col = {name: i for i, name in enumerate(header)}
    labels = [r[col[spec.label_column]] for r in rows]
    unknown = sorted(set(labels) - {spec.bad_value, spec.good_value})
    if unknown:
        raise ConfigurationError(
            f"training data {p}: label values {unknown} are neither bad ({spec.bad_value!r}) "
            f"nor good ({spec.good_value!r}); fix dataset.bad_value/good_value in the mapping"
        )
    y = np.array([int(v == spec.bad_value) for v in labels], dtype=np.int64)
    values: list[dict[str, Any]] = []
    bins = np.full((len(rows), len(mapping.features)), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        row: dict[str, Any] = {}
        for j, feat in enumerate(mapping.features):
            cell = r[col[feat.source.column]]
            if feat.source.codes is not None:
                if cell not in feat.source.codes:
                    raise ConfigurationError(
                        f"training data {p}: column {feat.source.column} has code {cell!r} "
                        f"that the mapping of feature {feat.name!r} does not list"
                    )
                value = feat.source.codes[cell]
            else:
                value = float(cell) * feat.source.scale
            row[feat.name] = value
            idx = feat.bin_of(value)
            if idx is None and feat.training_max is not None:
                raise ConfigurationError(
                    f"training data {p}: feature {feat.name!r} has a value above its "
                    f"training_max {feat.training_max:g}; raise training_max in the mapping"
                )
            bins[i, j] = -1 if idx is None else idx
        values.append(row)
    return Dataset(values, bins, y, hashlib.sha256(raw).hexdigest(), str(p))


class WOEEncoder(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Bin indices → weight of evidence ln(share of bads / share of goods) per bin.

    Counts are smoothed (``smoothing`` added to each) and shrunk towards the overall bad rate
    (``prior_rows`` pseudo-rows per bin). A missing bin (-1) gets the feature's baseline: the
    mean WOE of the training rows.
    """

    def __init__(
        self,
        n_bins: tuple[int, ...] = (),
        smoothing: float = 0.5,
        disabled: tuple[int, ...] = (),
        prior_rows: float = 0.0,
    ) -> None:
        self.n_bins = n_bins
        self.smoothing = smoothing
        self.disabled = disabled  # columns left out of the model: they output 0
        self.prior_rows = prior_rows

    def fit(self, X: NDArray[np.int64], y: NDArray[np.int64]) -> WOEEncoder:
        X = np.asarray(X, dtype=np.int64)
        y = np.asarray(y, dtype=np.int64)
        a = self.smoothing
        self.woe_: list[NDArray[np.float64]] = []
        self.baseline_: list[float] = []
        self.counts_: list[NDArray[np.int64]] = []
        self.bad_rates_: list[list[float | None]] = []
        for j, k in enumerate(self.n_bins):
            col = X[:, j]
            seen = col >= 0
            bad = np.bincount(col[seen & (y == 1)], minlength=k).astype(float)
            good = np.bincount(col[seen & (y == 0)], minlength=k).astype(float)
            rate = bad.sum() / max(bad.sum() + good.sum(), 1.0)
            bad_s = bad + a + self.prior_rows * rate
            good_s = good + a + self.prior_rows * (1.0 - rate)
            woe = np.log((bad_s / bad_s.sum()) / (good_s / good_s.sum()))
            self.woe_.append(woe)
            self.baseline_.append(float(woe[col[seen]].mean()) if seen.any() else 0.0)
            n = (bad + good).astype(np.int64)
            self.counts_.append(n)
            self.bad_rates_.append(
                [float(b / c) if c else None for b, c in zip(bad, n, strict=True)]
            )
        return self

    def transform(self, X: NDArray[np.int64]) -> NDArray[np.float64]:
        X = np.asarray(X, dtype=np.int64)
        out = np.empty(X.shape, dtype=np.float64)
        for j in range(X.shape[1]):
            col = X[:, j]
            out[:, j] = np.where(col >= 0, self.woe_[j][np.clip(col, 0, None)], self.baseline_[j])
        for j in self.disabled:
            out[:, j] = 0.0
        return out


def build_pipeline(mapping: RiskMapping, disabled: tuple[int, ...] = ()) -> Pipeline:
    """WOE encoding followed by an L2 logistic regression (fixed solver, deterministic)."""
    n_bins = tuple(len(f.bin_labels) for f in mapping.features)
    woe = WOEEncoder(
        n_bins=n_bins,
        smoothing=mapping.training.smoothing,
        disabled=disabled,
        prior_rows=mapping.training.prior_rows,
    )
    return Pipeline(
        [
            ("woe", woe),
            ("logit", LogisticRegression(C=mapping.training.C, solver="lbfgs", max_iter=1000)),
        ]
    )


def binary_metrics(
    y: NDArray[np.int64], p: NDArray[np.float64], training: TrainingSpec | None = None
) -> dict[str, float]:
    """AUC, KS, Brier (with the base-rate reference), log loss, ECE and the cost-matrix cost."""
    y = np.asarray(y)
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    fpr, tpr, _ = roc_curve(y, p)
    base = float(y.mean())
    edges = np.linspace(0, 1, 11)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, 9)
    ece = sum(
        abs(float(p[which == b].mean()) - float(y[which == b].mean())) * (which == b).mean()
        for b in range(10)
        if (which == b).any()
    )
    t = training or TrainingSpec()
    # Bayes-optimal cut-off for the documented cost matrix: reject when pd > c_good/(c_good + c_bad)
    cut = t.cost_good_rejected / (t.cost_good_rejected + t.cost_bad_accepted)
    rejected = p > cut
    cost = (
        t.cost_bad_accepted * np.sum((y == 1) & ~rejected)
        + t.cost_good_rejected * np.sum((y == 0) & rejected)
    ) / len(y)
    return {
        "n": float(len(y)),
        "bad_rate": base,
        "mean_pd": float(p.mean()),
        "auc": float(roc_auc_score(y, p)),
        "ks": float(np.max(tpr - fpr)),
        "brier": float(brier_score_loss(y, p)),
        "brier_base_rate": base * (1 - base),
        "log_loss": float(log_loss(y, p)),
        "ece": float(ece),
        "cost_per_applicant": float(cost),
        "cost_cutoff": cut,
    }


@dataclass
class TrainResult:
    spec: ModelSpec
    manifest: dict[str, Any]
    metrics: dict[str, Any]


def _export(mapping: RiskMapping, pipe: Pipeline) -> ModelSpec:
    woe: WOEEncoder = pipe.named_steps["woe"]
    logit: LogisticRegression = pipe.named_steps["logit"]
    features = []
    for j, feat in enumerate(mapping.features):
        data = feat.model_dump(exclude={"source"})
        features.append(
            ScoredFeature(
                **data,
                woe=[round(float(w), 6) for w in woe.woe_[j]],
                baseline_woe=round(woe.baseline_[j], 6),
                coef=round(float(logit.coef_[0][j]), 6),
                bin_counts=[int(c) for c in woe.counts_[j]],
                bin_bad_rates=[None if r is None else round(r, 4) for r in woe.bad_rates_[j]],
            )
        )
    return ModelSpec(
        format=ARTIFACT_FORMAT,
        name=mapping.name,
        version=mapping.version,
        intercept=round(float(logit.intercept_[0]), 6),
        features=features,
        scorecard=mapping.scorecard,
    )


def split_indices(
    n: int, y: NDArray[np.int64], split: SplitSpec
) -> tuple[NDArray[Any], NDArray[Any]]:
    """The stratified train/test row indices for a seed (the same in train and eval)."""
    idx = np.arange(n)
    tr, te = train_test_split(idx, test_size=split.test_size, random_state=split.seed, stratify=y)
    return np.asarray(tr), np.asarray(te)


def predict_rows(
    model: RiskModel, rows: list[dict[str, Any]], drop_group: str | None = None
) -> NDArray[np.float64]:
    """PD of rows of feature-name → platform value, through the run-time scorer.

    ``drop_group="bureau"`` leaves the bureau features out (as when only the narrative is known).
    """
    by_input = {f.name: f.inputs[0] for f in model.spec.features}
    group = {f.name: f.group for f in model.spec.features}
    out = []
    for row in rows:
        values = {by_input[k]: v for k, v in row.items() if group.get(k) != drop_group}
        out.append(model.predict(values, top_k=0).pd)
    return np.array(out)


def evaluate_model(
    model: RiskModel, data: Dataset, split: SplitSpec, training: TrainingSpec
) -> dict[str, Any]:
    """Held-out metrics of a loaded model: all features, and application features only."""
    _, te = split_indices(len(data.y), data.y, split)
    rows = [data.values[i] for i in te]
    y = data.y[te]
    return {
        "test": binary_metrics(y, predict_rows(model, rows), training),
        "test_application_only": binary_metrics(y, predict_rows(model, rows, "bureau"), training),
    }


def train(
    data_path: str | Path,
    mapping: RiskMapping,
    step: Callable[[str], None] | None = None,
    thorough: bool = True,
) -> TrainResult:
    """Fit on the training split, export, and measure the artifact on the held-out split.

    ``thorough=False`` skips the cross-validation and the re-calibration check (for quick tests).
    """
    say = step or (lambda _msg: None)
    say("reading data")
    data = read_dataset(data_path, mapping)
    tr, _ = split_indices(len(data.y), data.y, mapping.split)

    say("fitting scorecard")
    disabled: tuple[int, ...] = ()
    pipe = build_pipeline(mapping).fit(data.bins[tr], data.y[tr])
    while mapping.training.drop_sign_flips:
        coef = pipe.named_steps["logit"].coef_[0]
        flipped = tuple(j for j in range(len(coef)) if coef[j] < 0 and j not in disabled)
        if not flipped:
            break
        disabled = tuple(sorted((*disabled, *flipped)))
        pipe = build_pipeline(mapping, disabled).fit(data.bins[tr], data.y[tr])
    spec = _export(mapping, pipe)
    model = RiskModel(spec)

    say("held-out evaluation")
    metrics: dict[str, Any] = evaluate_model(model, data, mapping.split, mapping.training)
    metrics["train"] = binary_metrics(
        data.y[tr], predict_rows(model, [data.values[i] for i in tr]), mapping.training
    )

    if not thorough:
        return TrainResult(spec, _manifest(mapping, data, data_path, disabled, metrics), metrics)

    say("cross-validation")
    folds = StratifiedKFold(
        mapping.training.cv_folds, shuffle=True, random_state=mapping.split.seed
    )
    cv = cross_val_score(
        build_pipeline(mapping, disabled), data.bins, data.y, cv=folds, scoring="roc_auc"
    )
    metrics["cv_auc_mean"] = float(cv.mean())
    metrics["cv_auc_std"] = float(cv.std())

    say("calibration check")
    # Is the plain logistic already calibrated? Compare with re-calibrated fits on the same split.
    _, te = split_indices(len(data.y), data.y, mapping.split)
    check: dict[str, float] = {}
    for method in ("sigmoid", "isotonic"):
        calibrated = CalibratedClassifierCV(build_pipeline(mapping, disabled), method=method, cv=5)
        calibrated.fit(data.bins[tr], data.y[tr])
        p = calibrated.predict_proba(data.bins[te])[:, 1]
        check[f"brier_{method}"] = float(brier_score_loss(data.y[te], p))
        check[f"auc_{method}"] = float(roc_auc_score(data.y[te], p))
    metrics["calibration_check"] = check
    return TrainResult(spec, _manifest(mapping, data, data_path, disabled, metrics), metrics)


def _manifest(
    mapping: RiskMapping,
    data: Dataset,
    data_path: str | Path,
    disabled: tuple[int, ...],
    metrics: dict[str, Any],
) -> dict[str, Any]:
    return {
        "name": mapping.name,
        "version": mapping.version,
        "format": ARTIFACT_FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": {
            "name": mapping.dataset.name,
            "citation": mapping.dataset.citation,
            "file": Path(data_path).name,
            "sha256": data.sha256,
            "rows": len(data.y),
            "bad_rate": float(data.y.mean()),
            "label_column": mapping.dataset.label_column,
            "bad_value": mapping.dataset.bad_value,
            "good_value": mapping.dataset.good_value,
        },
        "split": mapping.split.model_dump(),
        "training": mapping.training.model_dump(),
        "sources": {f.name: f.source.model_dump() for f in mapping.features},
        "dropped_features": [mapping.features[j].name for j in disabled],
        "metrics": _rounded(metrics),
        "environment": {
            "python": platform.python_version(),
            "scikit_learn": sklearn.__version__,
            "numpy": np.__version__,
        },
    }


def mapping_from_manifest(model: RiskModel) -> RiskMapping:
    """Rebuild the mapping a model was trained with, from its manifest (for `risk eval`)."""
    man = model.manifest
    try:
        ds = man["dataset"]
        features = [
            MappingFeature(
                **f.model_dump(
                    exclude={"woe", "baseline_woe", "coef", "bin_counts", "bin_bad_rates"}
                ),
                source=SourceSpec(**man["sources"][f.name]),
            )
            for f in model.spec.features
        ]
        return RiskMapping(
            name=model.spec.name,
            version=model.spec.version,
            dataset=DatasetSpec(
                name=ds["name"],
                label_column=ds["label_column"],
                bad_value=ds["bad_value"],
                good_value=ds["good_value"],
            ),
            split=SplitSpec(**man["split"]),
            training=TrainingSpec(**man["training"]),
            scorecard=model.spec.scorecard,
            features=features,
        )
    except (KeyError, TypeError, PydanticValidationError) as exc:
        raise ConfigurationError(
            f"risk model {model.version_tag}: the manifest lacks the training description "
            f"({exc.__class__.__name__}); retrain it with `autoglm-ops risk train`"
        ) from None


def _rounded(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 6) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    return obj
