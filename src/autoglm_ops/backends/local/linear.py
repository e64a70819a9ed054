"""A sparse linear classifier over named features, trained with scikit-learn, served without it.

Training goes through :class:`sklearn.linear_model.LogisticRegression`; what is kept is the
feature vocabulary, the coefficients and the intercepts, written as JSON (no pickle). Serving is a
dictionary lookup per active feature and a softmax: one statement costs microseconds, where a
scikit-learn ``predict_proba`` call costs a tenth of a millisecond of input checks alone.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

Features = Mapping[str, float]
#: prefixes of features that stack on another system's decision (the rules backend)
STACKED = ("rules", "m:rules")

__all__ = [
    "STACKED",
    "Design",
    "Features",
    "LinearModel",
    "fit_design",
    "fit_linear",
    "logit",
    "sigmoid",
]


def sigmoid(x: float) -> float:
    """Numerically safe logistic function."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p: float, eps: float = 1e-4) -> float:
    """Log-odds of ``p`` clipped away from 0 and 1."""
    p = min(1.0 - eps, max(eps, p))
    return math.log(p / (1.0 - p))


@dataclass
class LinearModel:
    """Binary (one weight column) or multinomial (one column per class) logistic model.

    Features named with a prefix in ``STACKED`` carry another system's decision; ``scores``
    also returns the scores without them, so a caller can see what the model's own evidence
    says (a disagreement is a sign of uncertainty).
    """

    classes: list[str]
    weights: dict[str, list[float]]
    intercept: list[float]
    _stacked: frozenset[str] = field(init=False, repr=False, default=frozenset())
    _flat: dict[str, float] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._stacked = frozenset(k for k in self.weights if k.startswith(STACKED))
        if len(self.intercept) == 1:  # binary: one float per feature, the hot path
            self._flat = {k: w[0] for k, w in self.weights.items()}

    def scores(self, feats: Features) -> tuple[list[float], list[float]]:
        """Linear scores with all features and without the stacked ones."""
        if self._flat or len(self.intercept) == 1:
            flat = self._flat
            # the hot path of serving: the dot product runs in C (map over dict.get), and the
            # few stacked features are looked up on their own
            z1 = self.intercept[0] + sum(
                map(operator.mul, map(flat.get, feats.keys(), repeat(0.0)), feats.values())
            )
            s1 = 0.0
            for name in self._stacked:
                value = feats.get(name)
                if value is not None:
                    s1 += flat[name] * value
            return [z1], [z1 - s1]
        z = list(self.intercept)
        zs = [0.0] * len(z)
        get = self.weights.get
        stacked = self._stacked
        k = len(z)
        for name, value in feats.items():
            w = get(name)
            if w is None:
                continue
            for j in range(k):
                z[j] += w[j] * value
            if name in stacked:
                for j in range(k):
                    zs[j] += w[j] * value
        return z, [a - b for a, b in zip(z, zs, strict=True)]

    def _dist(self, z: list[float]) -> dict[str, float]:
        if len(z) == 1:
            p1 = sigmoid(z[0])
            return {self.classes[0]: 1.0 - p1, self.classes[1]: p1}
        top = max(z)
        ex = [math.exp(v - top) for v in z]
        s = sum(ex)
        return {c: e / s for c, e in zip(self.classes, ex, strict=True)}

    def proba2(self, feats: Features) -> tuple[dict[str, float], dict[str, float]]:
        """Class probabilities with all features and from the model's own features only."""
        z, own = self.scores(feats)
        return self._dist(z), self._dist(own)

    def proba(self, feats: Features) -> dict[str, float]:
        """Class probabilities for one feature mapping (unknown features are ignored)."""
        return self._dist(self.scores(feats)[0])

    def positive(self, feats: Features) -> float:
        """Probability of the second class of a binary model (the "yes" class)."""
        return self.proba(feats)[self.classes[1]]

    def positive2(self, feats: Features) -> tuple[float, float]:
        """:meth:`positive` with all features and from the model's own features only."""
        full, own = self.proba2(feats)
        return full[self.classes[1]], own[self.classes[1]]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; weights rounded to 6 significant digits to keep the file small."""
        return {
            "classes": self.classes,
            "intercept": [float(f"{v:.6g}") for v in self.intercept],
            "weights": {k: [float(f"{v:.6g}") for v in w] for k, w in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> LinearModel:
        """Rebuild from :meth:`to_json` output; raises KeyError/TypeError on a malformed dict."""
        classes = [str(c) for c in obj["classes"]]
        intercept = [float(v) for v in obj["intercept"]]
        weights = {str(k): [float(v) for v in w] for k, w in obj["weights"].items()}
        width = 1 if len(classes) == 2 else len(classes)
        if len(intercept) != width or any(len(w) != width for w in weights.values()):
            raise TypeError("weight width does not match the classes")
        return cls(classes=classes, weights=weights, intercept=intercept)


def _matrix(rows: Sequence[Features], index: dict[str, int]) -> Any:
    from scipy import sparse

    data: list[float] = []
    cols: list[int] = []
    ptr = [0]
    for row in rows:
        for name, value in row.items():
            j = index.get(name)
            if j is not None and value:
                cols.append(j)
                data.append(float(value))
        ptr.append(len(cols))
    return sparse.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(cols, dtype=np.int64), ptr),
        shape=(len(rows), len(index)),
    )


@dataclass
class Design:
    """Rows of named features as a sparse matrix over a fixed vocabulary, with labels and
    weights; built once and sliced by rows (cross-validation folds) without re-featurising."""

    vocab: list[str]
    x: Any
    labels: list[str]
    weights: Any

    @classmethod
    def build(
        cls,
        rows: Sequence[Features],
        labels: Sequence[str],
        *,
        min_count: int = 2,
        sample_weight: Sequence[float] | None = None,
    ) -> Design:
        """Vocabulary of the features seen in at least ``min_count`` rows, and the matrix."""
        counts: Counter[str] = Counter()
        for row in rows:
            counts.update(k for k, v in row.items() if v)
        vocab = sorted(k for k, n in counts.items() if n >= min_count)
        index = {k: i for i, k in enumerate(vocab)}
        w = np.ones(len(rows)) if sample_weight is None else np.asarray(sample_weight, float)
        return cls(vocab=vocab, x=_matrix(rows, index), labels=list(labels), weights=w)

    def rows(self, mask: Any) -> Design:
        """The rows where ``mask`` (a boolean array) is true."""
        idx = np.flatnonzero(mask)
        return Design(
            vocab=self.vocab,
            x=self.x[idx],
            labels=[self.labels[i] for i in idx],
            weights=self.weights[idx],
        )


def _constant(classes: list[str], present: list[str]) -> LinearModel:
    width = 1 if len(classes) == 2 else len(classes)
    if width == 1:
        bias = [20.0 if present and present[0] == classes[1] else -20.0]
    else:
        bias = [20.0 if present and cl == present[0] else -20.0 for cl in classes]
    return LinearModel(classes=classes, weights={}, intercept=bias)


def fit_design(
    design: Design, *, classes: Sequence[str], c: float = 1.0, max_iter: int = 400
) -> LinearModel:
    """Fit an L2 logistic model on a :class:`Design`.

    ``classes`` fixes the class order (and keeps a class that a small sample lacks); a class
    absent from the labels gets a very negative intercept rather than breaking the fit. Features
    with no weight (never active in these rows) are left out of the model.
    """
    classes = list(classes)
    seen = set(design.labels)
    present = [cl for cl in classes if cl in seen]
    if len(present) < 2:
        return _constant(classes, present)
    # imported here: serving a model never needs scikit-learn
    from sklearn.linear_model import LogisticRegression

    y = np.asarray([present.index(lab) for lab in design.labels])
    clf = LogisticRegression(C=c, max_iter=max_iter, tol=1e-4)
    clf.fit(design.x, y, sample_weight=design.weights)
    coef = np.asarray(clf.coef_, dtype=np.float64)
    icpt = np.asarray(clf.intercept_, dtype=np.float64)
    if len(classes) == 2:
        # binary: sklearn's single column scores present[1] vs present[0] = classes[1] vs [0]
        cols = coef[0:1].T
        bias = [float(icpt[0])]
    else:
        full = np.full((len(classes), coef.shape[1]), 0.0)
        fbias = np.full(len(classes), -20.0)
        rows_coef = coef if len(present) > 2 else np.vstack([-coef[0] / 2, coef[0] / 2])
        rows_bias = icpt if len(present) > 2 else np.array([-icpt[0] / 2, icpt[0] / 2])
        for i, cl in enumerate(present):
            full[classes.index(cl)] = rows_coef[i]
            fbias[classes.index(cl)] = rows_bias[i]
        cols = full.T
        bias = [float(b) for b in fbias]
    nonzero = np.flatnonzero(np.any(cols != 0.0, axis=1))
    weights = {design.vocab[j]: [float(v) for v in cols[j]] for j in nonzero}
    return LinearModel(classes=classes, weights=weights, intercept=bias)


def fit_linear(
    rows: Sequence[Features],
    labels: Sequence[str],
    *,
    classes: Sequence[str],
    c: float = 1.0,
    min_count: int = 2,
    sample_weight: Sequence[float] | None = None,
    max_iter: int = 400,
) -> LinearModel:
    """Fit an L2 logistic model on named features seen in at least ``min_count`` rows."""
    design = Design.build(rows, labels, min_count=min_count, sample_weight=sample_weight)
    return fit_design(design, classes=classes, c=c, max_iter=max_iter)
