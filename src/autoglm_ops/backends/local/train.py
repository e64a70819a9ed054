"""Training: labels from gold fields, span classifiers, cross-validated confidence calibration.

``train_model(cases)`` featurises every case once, fits the classifiers on K-1 folds and decodes
the held-out fold (grouped by source case, so an augmented copy never sits on the other side of
a fold from its original), fits the confidence maps on those out-of-fold predictions of the
original cases, then refits the classifiers on everything. The out-of-fold predictions are also
the held-out metrics written to the manifest.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autoglm_ops.backends.local.features import Analysis, analyse, close
from autoglm_ops.backends.local.labels import (
    bool_label,
    mode_label,
    values_match,
)
from autoglm_ops.backends.local.linear import (
    STACKED,
    Design,
    Features,
    LinearModel,
    fit_design,
    fit_linear,
)
from autoglm_ops.backends.local.model import FIELDS, IncomeModel, stack_features
from autoglm_ops.backends.local.spans import PF, SI
from autoglm_ops.core.calibration import expected_calibration_error

__all__ = [
    "Case",
    "TrainConfig",
    "TrainResult",
    "train_model",
]


@dataclass(frozen=True)
class Case:
    """One labelled statement; ``group`` ties augmented copies to their source case."""

    id: str
    text: str
    expected: dict[str, Any]
    group: str = ""
    original: bool = True

    @property
    def key(self) -> str:
        return self.group or self.id


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters; the defaults were chosen by cross-validation on the dev split."""

    seed: int = 13
    folds: int = 5
    c_mode: float = 0.5
    c_cand: float = 0.5
    c_inc: float = 0.5
    stacked: bool = True
    c_benefit: float = 0.5
    c_tenure: float = 0.5
    c_conf: float = 1.0
    min_count: int = 2
    original_weight: float = 3.0
    conf_drop: tuple[str, ...] = ()
    drop_features: tuple[str, ...] = ()
    aug_eval_per_fold: int = 600
    aug_conf_share: float = 0.75
    rules_dropout: float = 0.5
    review_budget: float = 0.05


@dataclass
class TrainResult:
    """The fitted model, its held-out (out-of-fold) metrics and timings."""

    model: IncomeModel
    metrics: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    #: out-of-fold predicted values of every held-out case, by case id
    oof: dict[str, dict[str, Any]] = field(default_factory=dict)


_RULES = STACKED


def _coin(seed: int, key: str, p: float) -> bool:
    """A seeded, order-independent coin flip per case."""
    return p > 0 and int(hashlib.sha256(f"{seed}/{key}".encode()).hexdigest()[:8], 16) < p * 2**32


@dataclass
class _Rows:
    feats: list[Features] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)
    drop: tuple[str, ...] = ()

    def add(self, case: int, f: Features, label: str, w: float, *, no_rules: bool) -> None:
        drop = self.drop + _RULES if no_rules else self.drop
        if drop:
            f = {k: v for k, v in f.items() if not k.startswith(drop)}
        self.feats.append(f)
        self.labels.append(label)
        self.weights.append(w)
        self.cases.append(case)


# model name -> (classes, the config's regularisation attribute)
_MODELS: dict[str, tuple[tuple[str, ...], str]] = {
    "mode": (("null", "zero", "income"), "c_mode"),
    "inc": (("no", "yes"), "c_inc"),
    "hyp": (("no", "yes"), "c_cand"),
    "pf": (("null", "false", "true"), "c_benefit"),
    "si": (("null", "false", "true"), "c_benefit"),
    "tenure": (("no", "yes"), "c_tenure"),
}


@dataclass
class _Designs:
    """Every classifier's training rows for all cases, built once; folds slice them."""

    designs: dict[str, Design]
    cases: dict[str, np.ndarray]


def _gold_members(a: Analysis, hits: Sequence[bool]) -> set[int]:
    """The figures of the smallest reading that equals the gold amount (none when no reading
    does): stage one's labels."""
    right = [h for h, hit in zip(a.hyps, hits, strict=True) if hit]
    if not right:
        return set()
    return set(min(right, key=lambda h: len(h.members)).members)


def _designs(
    cases: Sequence[Case],
    analyses: Sequence[Analysis],
    cfg: TrainConfig,
    *,
    names: Sequence[str],
    probs: Sequence[Sequence[float]] | None = None,
) -> _Designs:
    """The designs of the classifiers in ``names``; ``probs`` (stage one's out-of-fold
    probabilities per case and candidate) adds the stacked features to the readings."""
    rows = {name: _Rows(drop=cfg.drop_features) for name in names}
    for i, (case, a) in enumerate(zip(cases, analyses, strict=True)):
        w = cfg.original_weight if case.original else 1.0
        exp = case.expected
        # rules dropout: some cases are learnt without the baseline's decisions, so the
        # model's own evidence keeps its weight where the rules fail on unseen wordings
        nr = _coin(cfg.seed, case.id, cfg.rules_dropout)
        if "income_amount" in exp:
            gold = exp["income_amount"]
            if "mode" in rows:
                rows["mode"].add(i, a.mode_feats, mode_label(gold), w, no_rules=nr)
            hits = [bool(gold) and close(float(gold), h.value) for h in a.hyps]
            if not gold or any(hits):
                if "hyp" in rows:
                    feats = [h.feats for h in a.hyps]
                    if probs is not None and a.hyps:
                        st = stack_features(a, probs[i])
                        feats = [{**f, **g} for f, g in zip(feats, st, strict=True)]
                    for f, hit in zip(feats, hits, strict=True):
                        rows["hyp"].add(i, f, "yes" if hit else "no", w, no_rules=nr)
                if "inc" in rows:
                    gm = _gold_members(a, hits)
                    for j, f in enumerate(a.cand_feats):
                        rows["inc"].add(i, f, "yes" if j in gm else "no", w, no_rules=nr)
        for name, fld in (("pf", PF), ("si", SI)):
            if name in rows and fld in exp:
                rows[name].add(i, a.benefit_feats[fld], bool_label(exp[fld]), w, no_rules=nr)
        if "tenure" in rows and "employment_years" in exp:
            gy = exp["employment_years"]
            hits = [gy is not None and close(float(gy), float(d.years)) for d in a.durations]
            if gy is None or any(hits):
                for f, hit in zip(a.dur_feats, hits, strict=True):
                    rows["tenure"].add(i, f, "yes" if hit else "no", w, no_rules=nr)
    return _Designs(
        designs={
            name: Design.build(r.feats, r.labels, min_count=cfg.min_count, sample_weight=r.weights)
            for name, r in rows.items()
        },
        cases={name: np.asarray(r.cases, dtype=np.int64) for name, r in rows.items()},
    )


def _fit_one(d: _Designs, name: str, keep: np.ndarray | None, cfg: TrainConfig) -> LinearModel:
    classes, c_attr = _MODELS[name]
    design = d.designs[name]
    if keep is not None:
        design = design.rows(keep[d.cases[name]])
    return fit_design(design, classes=classes, c=getattr(cfg, c_attr))


def _fit(
    d: _Designs, keep: np.ndarray | None, cfg: TrainConfig, inc: LinearModel | None
) -> IncomeModel:
    """Fit every classifier but stage one (``inc``, given) on the rows of the cases where
    ``keep`` is true (None: all)."""
    fitted = {name: _fit_one(d, name, keep, cfg) for name in _MODELS if name != "inc"}
    return IncomeModel(
        mode=fitted["mode"], hyp=fitted["hyp"], pf=fitted["pf"], si=fitted["si"],
        tenure=fitted["tenure"], inc=inc,
    )  # fmt: skip


def _stage_one(
    cases: Sequence[Case],
    analyses: Sequence[Analysis],
    fold: Sequence[int],
    cfg: TrainConfig,
) -> tuple[list[LinearModel], LinearModel, list[list[float]]]:
    """Stage one cross-fitted: one model per fold (trained without it), one on everything, and
    every case's out-of-fold probabilities, which stage two learns from (so it learns how
    reliable stage one is on figures it never saw)."""
    d = _designs(cases, analyses, cfg, names=("inc",))
    fold_arr = np.asarray(fold)
    per_fold = [_fit_one(d, "inc", fold_arr != k, cfg) for k in range(cfg.folds)]
    probs = [[per_fold[fold[i]].positive(f) for f in a.cand_feats] for i, a in enumerate(analyses)]
    return per_fold, _fit_one(d, "inc", None, cfg), probs


def _folds(cases: Sequence[Case], k: int, seed: int) -> list[int]:
    """Fold number of every case, by a seeded hash of its group (deterministic, stable)."""
    return [int(hashlib.sha256(f"{seed}:{c.key}".encode()).hexdigest(), 16) % k for c in cases]


def _strip(meta: Features, drop: tuple[str, ...]) -> Features:
    if not drop:
        return meta
    return {k: v for k, v in meta.items() if not k.startswith(drop)}


@dataclass(frozen=True)
class _Oof:
    """One out-of-fold field prediction: case index, field, covariates, right or wrong."""

    case: int
    field: str
    meta: Features
    ok: bool
    original: bool


def _fit_conf(rows: Sequence[_Oof], cfg: TrainConfig) -> dict[str, LinearModel]:
    """Per field, P(right | covariates). Augmented held-out rows together weigh as much as the
    original ones times ``aug_conf_share / (1 - aug_conf_share)``: the originals are the
    distribution served, the augmented copies carry the errors a wording shift brings."""
    out: dict[str, LinearModel] = {}
    for fld in FIELDS:
        mine = [r for r in rows if r.field == fld]
        n_orig = sum(r.original for r in mine) or 1
        n_aug = sum(not r.original for r in mine) or 1
        share = cfg.aug_conf_share / (1.0 - cfg.aug_conf_share)
        w_aug = share * n_orig / n_aug
        # one pseudo-observation of each outcome: a field never wrong in the folds gets a high
        # confidence, not a certain one
        out[fld] = fit_linear(
            [_strip(r.meta, cfg.conf_drop) for r in mine] + [{"bias": 1.0}, {"bias": 1.0}],
            ["right" if r.ok else "wrong" for r in mine] + ["right", "wrong"],
            classes=("wrong", "right"),
            c=cfg.c_conf,
            min_count=1,
            sample_weight=[1.0 if r.original else w_aug for r in mine] + [1.0, 1.0],
        )
    return out


def train_model(
    cases: Sequence[Case],
    cfg: TrainConfig | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    analyses: Sequence[Analysis] | None = None,
) -> TrainResult:
    """Fit the model on ``cases``; calibrate on out-of-fold predictions.

    ``analyses`` (one per case, from :func:`analyse`) skips featurising when already done.
    """
    cfg = cfg or TrainConfig()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if analyses is None:
        done: list[Analysis] = []
        for i, case in enumerate(cases):
            done.append(analyse(case.text))
            if progress and (i % 200 == 0 or i == len(cases) - 1):
                progress("featurising", i + 1, len(cases))
        analyses = done
    timings["featurise_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    fold = _folds(cases, cfg.folds, cfg.seed)
    fold_arr = np.asarray(fold)
    inc_folds: Sequence[LinearModel | None] = [None] * cfg.folds
    inc_all: LinearModel | None = None
    probs: list[list[float]] | None = None
    if cfg.stacked:
        inc_folds, inc_all, probs = _stage_one(cases, analyses, fold, cfg)
    others = tuple(n for n in _MODELS if n != "inc")
    designs = _designs(cases, analyses, cfg, names=others, probs=probs)
    oof: list[_Oof] = []
    values: dict[int, dict[str, Any]] = {}
    for k in range(cfg.folds):
        train_idx = [i for i in range(len(cases)) if fold[i] != k]
        held = [i for i in range(len(cases)) if fold[i] == k and cases[i].original]
        # augmented variants of held-out cases: new wordings of cases the fold never saw
        held += [i for i in range(len(cases)) if fold[i] == k and not cases[i].original][
            : cfg.aug_eval_per_fold
        ]
        if not held or not train_idx:
            continue
        part = _fit(designs, fold_arr != k, cfg, inc_folds[k])
        for i in held:
            dec = part.decode(analyses[i])
            values[i] = dec.values
            for fld in FIELDS:
                if fld in cases[i].expected:
                    ok = values_match(cases[i].expected[fld], dec.values.get(fld))
                    oof.append(_Oof(i, fld, dec.meta[fld], ok, cases[i].original))
        if progress:
            progress("cross-validating", k + 1, cfg.folds)
    timings["cross_validate_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    model = _fit(designs, None, cfg, inc_all)
    model.conf = _fit_conf(oof, cfg)
    timings["fit_s"] = time.perf_counter() - t2
    metrics = _oof_metrics(oof, fold, cfg)
    timings["total_s"] = time.perf_counter() - t0
    oof_values = {cases[i].id: v for i, v in values.items()}
    return TrainResult(model=model, metrics=metrics, timings=timings, oof=oof_values)


def _summary(rows: list[_Oof], confs: dict[int, float]) -> dict[str, Any]:
    ok = np.array([r.ok for r in rows], dtype=float)
    conf = np.array([confs[id(r)] for r in rows])
    per_field = {}
    for fld in FIELDS:
        mask = np.array([r.field == fld for r in rows])
        if mask.any():
            per_field[fld] = round(float(ok[mask].mean()), 4)
    by_case: dict[int, float] = {}
    for r in rows:
        by_case[r.case] = min(by_case.get(r.case, 1.0), confs[id(r)])
    review_at = {}
    for th in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99):
        auto = {i for i, c in by_case.items() if c >= th}
        auto_ok = [r.ok for r in rows if r.case in auto]
        review_at[str(th)] = {
            "review_rate": round(1 - len(auto) / max(1, len(by_case)), 4),
            "accuracy_on_auto": round(float(np.mean(auto_ok)), 4) if auto_ok else None,
        }
    return {
        "n_cases": len(by_case),
        "field_accuracy": round(float(ok.mean()), 4),
        "per_field": per_field,
        "ece": round(expected_calibration_error(conf, ok), 4),
        "review": review_at,
    }


def _oof_metrics(oof: list[_Oof], fold: list[int], cfg: TrainConfig) -> dict[str, Any]:
    """Held-out accuracy per field, and ECE with each fold's confidences mapped by a calibrator
    fitted on the other folds (so the reported ECE is not measured on calibration data)."""
    if not oof:
        return {"n_cases": 0}
    confs: dict[int, float] = {}
    for k in range(cfg.folds):
        train_rows = [r for r in oof if fold[r.case] != k]
        if not train_rows:
            continue
        cal = _fit_conf(train_rows, cfg)
        for r in oof:
            if fold[r.case] == k:
                p = cal[r.field].positive(_strip(r.meta, cfg.conf_drop))
                confs[id(r)] = min(0.995, max(0.01, p))
    out = {"folds": cfg.folds, **_summary([r for r in oof if r.original], confs)}
    aug = [r for r in oof if not r.original]
    if aug:
        out["augmented_heldout"] = _summary(aug, confs)
    # the review threshold to recommend: the highest that sends at most review_budget of the
    # held-out dev cases to review (unseen wordings will send more)
    ok = [float(t) for t, v in out["review"].items() if v["review_rate"] <= cfg.review_budget]
    out["recommended_threshold"] = max(ok, default=0.5)
    return out
