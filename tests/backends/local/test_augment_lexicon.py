"""The distractor templates render money the model must learn to leave out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autoglm_ops.backends.local import augment_lexicon as al
from autoglm_ops.backends.local.augment import render_amount
from autoglm_ops.text.amounts import income_candidates

# the cue category each new distractor type must show next to its amount
_CUE = {"rent_paid": "rent_paid", "oneoff": "oneoff", "price": "price", "turnover": "turnover"}


@pytest.mark.parametrize("cat", sorted(_CUE))
def test_new_distractors_carry_their_cue(cat: str) -> None:
    assert cat in al.MAGNITUDE
    zh, en = al.DISTRACTORS[cat]
    for tpl in zh + en:
        amount = render_amount(Decimal(32000), "arabic") or "32000"
        text = "月薪8000，" + tpl.format(a=amount)
        cands = [c for c in income_candidates(text) if c.amount == Decimal(32000)]
        if not cands:  # a clause with no money cue at all is simply not a candidate
            continue
        (c,) = cands
        assert _CUE[cat] in c.cues_sentence, tpl
