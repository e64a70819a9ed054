"""Augmentation keeps labels consistent with the text it produces."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autoglm_ops.backends.local.augment import STYLES, Augmenter, augment, render_amount
from autoglm_ops.backends.local.features import close
from autoglm_ops.backends.local.labels import candidate_labels
from autoglm_ops.backends.local.spans import find_durations
from autoglm_ops.backends.local.train import Case
from autoglm_ops.text.amounts import income_candidates
from autoglm_ops.text.numerals import find_numbers, normalize, parse_number
from tests.backends.local.conftest import dev_cases

VALUES = [Decimal(v) for v in (300, 1250, 4500, 7200, 9000, 12000, 18000, 25000, 36000, 150000)]


@pytest.mark.parametrize("style", STYLES)
def test_every_rendering_parses_back(style: str) -> None:
    rendered = 0
    for v in VALUES:
        out = render_amount(v, style)
        if out is None:
            continue
        rendered += 1
        assert parse_number(out) == v, (style, v, out)
        # and the scanner sees one number with that value
        found = find_numbers(out)
        assert len(found) == 1 and found[0].value == v
    assert rendered, f"style {style} rendered nothing"


def test_styles_produce_the_documented_forms() -> None:
    assert render_amount(Decimal(18000), "wan_mixed") == "1万8"
    assert render_amount(Decimal(25000), "cn_colloquial") == "两万五"
    assert render_amount(Decimal(7200), "cn_colloquial") == "七千二"
    assert render_amount(Decimal(12000), "capital") == "壹万贰仟"
    assert render_amount(Decimal(18000), "fullwidth") == "１８０００"
    assert render_amount(Decimal(18000), "comma") == "18,000"


def _consistent(case: Case) -> None:
    """The gold amount is reachable from the text's figures, whose period and tax wording say
    the gold period and tax; the gold tenure is stated."""
    gold = case.expected.get("income_amount")
    cands = income_candidates(case.text)
    labels = candidate_labels(cands, gold)
    assert labels is not None, case
    if gold:
        pos = [c for c, lab in zip(cands, labels, strict=True) if lab]
        assert pos
        periods = {c.period or "month" for c in pos}
        assert case.expected["income_period"] == (periods.pop() if len(periods) == 1 else "month")
        tax = next((c.after_tax for c in pos if c.after_tax is not None), None)
        assert case.expected["is_after_tax"] == tax, case
    years = case.expected.get("employment_years")
    if years is not None:
        durs = find_durations(normalize(case.text))
        assert any(close(float(years), float(d.years)) for d in durs), case


def test_augmented_cases_keep_labels_consistent() -> None:
    cases = augment(dev_cases(60), 400, seed=3)
    assert len(cases) == 400
    for case in cases:
        _consistent(case)
    assert sum(not c.original for c in cases) == 340
    assert all(c.group in {o.id for o in cases if o.original} or c.group.startswith("lex-")
               for c in cases if not c.original)  # fmt: skip


def test_period_swap_recomputes_the_monthly_amount() -> None:
    aug = Augmenter(seed=1)
    swapped = 0
    for _ in range(30):
        got = aug.period("月薪8000", {"income_amount": 8000, "income_period": "month"})
        if got is None:
            continue
        text, exp = got
        swapped += 1
        assert exp["income_period"] in {"year", "week", "day"}
        (cand,) = income_candidates(text)
        assert cand.period == exp["income_period"]
        assert close(exp["income_amount"], float(cand.monthly))
    assert swapped


def test_a_second_source_is_added_to_the_gold() -> None:
    aug = Augmenter(seed=2)
    got = aug.add_source("我每月工资6000", {"income_amount": 6000, "income_period": "month"})
    assert got is not None
    text, exp = got
    cands = income_candidates(text)
    assert len(cands) == 2
    assert close(exp["income_amount"], sum(float(c.monthly) for c in cands))


def test_distractors_do_not_change_the_income() -> None:
    aug = Augmenter(seed=4)
    exp = {"income_amount": 9000, "income_period": "month", "has_provident_fund": None}
    for _ in range(20):
        got = aug.distractor("我月薪九千", dict(exp))
        if got is None:
            continue
        text, new = got
        assert new["income_amount"] == 9000
        assert len(income_candidates(text)) == 2


def test_augmentation_is_deterministic() -> None:
    a = augment(dev_cases(30), 120, seed=9)
    b = augment(dev_cases(30), 120, seed=9)
    assert [(c.text, c.expected) for c in a] == [(c.text, c.expected) for c in b]


@pytest.mark.parametrize(
    ("text", "gold"),
    [
        ("年收入（万元）：36", 30000.0),  # the figure's text is 36, its amount 360000
        ("工资每月五千，门面租金每季度三千", 6000.0),  # the rent counts a third per month
    ],
)
def test_scaled_and_quarterly_figures_are_never_rewritten(text: str, gold: float) -> None:
    exp = {"income_amount": gold, "income_period": None, "is_after_tax": None}
    special = [c for c in income_candidates(text) if c.scale != 1 or c.period_source == "quarter"]
    assert special, "the normaliser no longer reads this form: pick another example"
    for seed in range(30):
        aug = Augmenter(seed=seed)
        for op in (aug.restyle, aug.decorate, aug.period, aug.gross_net):
            out = op(text, exp)
            if out is None:
                continue
            new_text, new_exp = out
            # whatever was changed, the label still adds up from the new text's figures
            labels = candidate_labels(income_candidates(new_text), new_exp["income_amount"])
            assert labels is not None, (op.__name__, new_text, new_exp)


def test_restate_adds_a_rounded_figure_and_keeps_the_first() -> None:
    made = 0
    for seed in range(40):
        out = Augmenter(seed=seed).restate("一年能挣十万", {"income_amount": 8333.33})
        if out is None:
            continue
        made += 1
        text, exp = out
        assert exp["income_amount"] == 8333.33
        cands = income_candidates(text)
        assert len(cands) == 2 and cands[1].period == "month"
        assert not close(float(cands[1].monthly), 8333.33)  # rounded, not an exact restatement
    assert made >= 10
