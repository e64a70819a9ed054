"""Reading features: rounded restatements and near figures."""

from __future__ import annotations

from autoglm_ops.backends.local.features import analyse


def _reading(text: str, value: float) -> dict[str, float]:
    return next(h.feats for h in analyse(text).hyps if abs(h.value - value) < 0.01)


def test_a_rounded_restatement_is_marked_with_its_cue() -> None:
    text = "一年下来能挣十万，就是说一个月八千多"
    assert _reading(text, 8333.33)["near_twin=first&cue"] == 1.0
    assert _reading(text, 8000.0)["near_twin=second&cue"] == 1.0
    assert _reading(text, 16333.33)["near_pair_in&cue"] == 1.0


def test_near_figures_without_a_restating_word_have_no_cue() -> None:
    text = "工资八千，老婆工资九千"
    feats = _reading(text, 8000.0)
    assert feats["near_twin=first"] == 1.0 and "near_twin=first&cue" not in feats


def test_distant_figures_are_not_near() -> None:
    feats = _reading("工资八千，另外房租两千", 8000.0)
    assert not any(k.startswith("near_") for k in feats)
