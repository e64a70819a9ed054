"""The `rules` backend against every income_parsing contract rule (Chinese and English)."""

from __future__ import annotations

from typing import Any

import pytest

from autoglm_ops.backends.registry import backend_class
from autoglm_ops.backends.rules import RulesExtractor
from autoglm_ops.core.compare import values_equal
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.core.types import Extraction
from autoglm_ops.tasks.registry import TaskRegistry
from autoglm_ops.tasks.schema import TaskDefinition

TASK = TaskRegistry.load().get("income_parsing")
EXTRACTOR = RulesExtractor()


def run(text: str) -> Extraction:
    return EXTRACTOR.extract(text, TASK)


def check(text: str, **expected: Any) -> Extraction:
    out = run(text)
    for name, want in expected.items():
        got = out.fields[name].value
        assert values_equal(want, got), f"{name}: expected {want!r}, got {got!r}"
    return out


# (text, expected fields) — written for these tests, not taken from the data set
CASES: list[tuple[str, dict[str, Any]]] = [
    # periods
    ("我现在月薪九千五", {"income_amount": 9500, "income_period": "month", "currency": "CNY"}),
    ("年薪六十万，做投行", {"income_amount": 50000, "income_period": "year"}),
    ("I make 2,400 a week", {"income_amount": 10400, "income_period": "week"}),
    ("周薪一千二", {"income_amount": 5200, "income_period": "week"}),
    ("在工地干活，一天四百", {"income_amount": 8700, "income_period": "day"}),
    ("I get paid 120 per day", {"income_amount": 2610, "income_period": "day"}),
    ("My annual salary is 96,000", {"income_amount": 8000, "income_period": "year"}),
    # numerals and approximation
    ("每个月收入大概两万五", {"income_amount": 25000}),
    ("工资1w5一个月", {"income_amount": 15000}),
    ("月入过万", {"income_amount": 10000, "income_period": "month"}),
    ("每月九千多一点", {"income_amount": 9000}),
    ("一个月壹万贰仟元", {"income_amount": 12000}),
    ("工资每月１８０００元", {"income_amount": 18000}),
    ("I earn roughly 7k a month", {"income_amount": 7000}),
    # ranges → lower bound
    ("收入不固定，一个月七八千", {"income_amount": 7000}),
    ("月薪8000到10000", {"income_amount": 8000}),
    ("每月5k-2w", {"income_amount": 5000}),
    ("I make between 6,000 and 9,000 a month", {"income_amount": 6000}),
    # tax
    ("税前月薪两万，税后一万六", {"income_amount": 16000, "is_after_tax": True}),
    ("每月到手八千", {"income_amount": 8000, "is_after_tax": True}),
    ("税前月薪一万五", {"income_amount": 15000, "is_after_tax": False}),
    ("Gross pay is 9,000 a month, net 7,600", {"income_amount": 7600, "is_after_tax": True}),
    ("My take-home pay is 5,000 a month", {"is_after_tax": True}),
    ("开店一个月净赚两万", {"income_amount": 20000, "is_after_tax": None}),
    ("工资每月入账九千", {"income_amount": 9000, "is_after_tax": None}),
    # several sources → sum; total with parts → total
    ("工资每月六千，另外有房子出租，每月租金两千", {"income_amount": 8000}),
    ("退休金每月三千五，还在超市兼职每月一千五", {"income_amount": 5000}),
    ("Salary 5,000 a month plus 1,000 a month from a part-time job", {"income_amount": 6000}),
    ("每月总收入一万二，其中工资九千，房租三千", {"income_amount": 12000}),
    ("In total I get 16k a month: salary 12k and rent 4k", {"income_amount": 16000}),
    ("底薪三千，提成每月四千", {"income_amount": 7000}),
    # exclusions
    ("老婆月薪两万，我自己一个月六千", {"income_amount": 6000}),
    ("My husband earns 20k a month and I earn 8k", {"income_amount": 8000}),
    ("我们家一个月加起来三万，我自己一万二", {"income_amount": 12000}),
    ("月薪一万，年终奖五万", {"income_amount": 10000}),
    ("想申请30万贷款，月薪一万五", {"income_amount": 15000}),
    ("月薪九千，房贷月供四千", {"income_amount": 9000}),
    ("信用卡欠了三万，工资每月七千", {"income_amount": 7000}),
    ("月薪一万，公积金每月缴一千二", {"income_amount": 10000, "has_provident_fund": True}),
    ("饭店月流水二十万，利润三万", {"income_amount": 30000}),
    (
        "开出租车，一天流水八百，除去油费和份子钱能剩三百",
        {"income_amount": 6525, "income_period": "day"},
    ),
    ("Our household income is 30k a month; I personally make 18k.", {"income_amount": 18000}),
    ("My salary is 6000 and my bonus last year was 20000.", {"income_amount": 6000}),
    ("时薪30块，一天做八个小时", {"income_amount": None}),
    # no income / nothing
    ("刚毕业还没找到工作，没有收入", {"income_amount": 0, "currency": None, "income_period": None}),
    ("I have no income at the moment", {"income_amount": 0, "currency": None}),
    (
        "请问贷款需要什么材料？",
        {"income_amount": None, "currency": None, "income_period": None, "employment_years": None},
    ),
    ("老婆每月一万，我待业没有收入", {"income_amount": 0}),
    # currency
    ("月薪三万港币", {"currency": "HKD", "income_amount": 30000}),
    ("I earn €3,000 a month", {"currency": "EUR"}),
    ("年薪10万美元", {"currency": "USD", "income_amount": 8333.33}),
    ("Salary is £2,000 a month", {"currency": "GBP"}),
    # benefits and negation
    ("月薪八千，五险一金齐全", {"has_provident_fund": True, "has_social_insurance": True}),
    ("月薪八千，无五险一金", {"has_provident_fund": False, "has_social_insurance": False}),
    ("公司没给交社保，也没有公积金", {"has_provident_fund": False, "has_social_insurance": False}),
    ("有社保，不交公积金", {"has_provident_fund": False, "has_social_insurance": True}),
    ("社保自己交的", {"has_social_insurance": True}),
    ("工资要扣社保", {"has_social_insurance": True}),
    ("有五险没一金", {"has_provident_fund": False, "has_social_insurance": True}),
    (
        "No social insurance, but the company pays the housing fund",
        {"has_social_insurance": False, "has_provident_fund": True},
    ),
    ("月薪八千", {"has_provident_fund": None, "has_social_insurance": None}),
    # tenure
    ("在这家公司干了三年半，月薪一万", {"employment_years": 3.5}),
    ("入职18个月", {"employment_years": 1.5}),
    ("工作快四年了", {"employment_years": 4}),
    ("在现在的单位干了两年零六个月", {"employment_years": 2.5}),
    ("I've been with my employer for 18 months", {"employment_years": 1.5}),
    ("I have worked there for 6 years", {"employment_years": 6}),
    ("之前在别的公司干了五年，刚跳槽，月薪一万", {"employment_years": None}),
    ("社保缴了36个月", {"employment_years": None}),
    ("公积金缴存5年", {"employment_years": None}),
    ("参加工作十年，在现单位干了三年", {"employment_years": 3}),
    ("半年前入职，月薪九千", {"employment_years": 0.5}),
    ("一个月能挣一万，做装修的", {"employment_years": None}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:20] for c in CASES])
def test_contract_rules(text: str, expected: dict[str, Any]) -> None:
    check(text, **expected)


@pytest.mark.parametrize("example", TASK.examples, ids=[e.text[:16] for e in TASK.examples])
def test_worked_examples_of_the_task(example: Any) -> None:
    check(example.text, **example.expected)


ALL_TEXTS = [c[0] for c in CASES] + [e.text for e in TASK.examples]


@pytest.mark.parametrize("text", ALL_TEXTS, ids=[t[:16] for t in ALL_TEXTS])
def test_evidence_and_confidence_invariants(text: str) -> None:
    out = run(text)
    assert set(out.fields) == set(TASK.field_names)
    assert out.model == "rules@1.0.0"
    for name, f in out.fields.items():
        assert 0.0 <= f.confidence <= 1.0
        if f.value is None:
            assert f.evidence is None, name
        else:
            assert f.evidence is not None, name
            assert text[f.evidence.start : f.evidence.end] == f.evidence.text
    score = out.fields["income_stability_score"]
    assert 0.0 <= score.value <= 1.0 and score.reasons


def test_currency_and_period_null_when_amount_is_null_or_zero() -> None:
    for text in ("没有收入", "请问利率多少"):
        out = run(text)
        assert out.fields["currency"].value is None
        assert out.fields["income_period"].value is None


def test_stability_orders_fixed_salary_above_gig_work() -> None:
    fixed = run("公务员，有编制，月薪固定八千，五险一金齐全，工作八年了")
    salary = run("月薪八千")
    gig = run("跑外卖的，日结，一天三百，收入不稳定，没社保")
    none = run("没有收入")
    s = [x.fields["income_stability_score"].value for x in (fixed, salary, gig, none)]
    assert s[0] > s[1] > s[2] > s[3]
    assert any("gig" in r for r in gig.fields["income_stability_score"].reasons)


def test_review_reasons_name_the_ambiguities() -> None:
    assert "amount from range lower bound" in run("月薪七八千").review_reasons
    assert "several income candidates" in run("月薪一万，年终奖五万").review_reasons
    assert "currency defaulted to CNY" in run("月薪一万").review_reasons


def test_confidence_drops_when_candidates_compete() -> None:
    clear = run("月薪一万，五险一金齐全").fields["income_amount"].confidence
    busy = run("老婆月薪两万，年终奖五万，贷款30万，我月薪七八千").fields["income_amount"]
    assert busy.value == 7000
    assert busy.confidence < clear


def test_registered_entry_point_and_task_support() -> None:
    assert backend_class("rules") is RulesExtractor
    other = TaskDefinition(
        name="other_task",
        description="x",
        fields=[{"name": "a", "type": "string", "description": "x"}],  # type: ignore[list-item]
    )
    with pytest.raises(ValidationError):
        EXTRACTOR.extract("月薪一万", other)


def test_personal_text_not_in_reasons() -> None:
    text = "张三月薪一万八，公司在望京"
    out = run(text)
    blob = " ".join(out.review_reasons + [r for f in out.fields.values() for r in f.reasons])
    assert "张三" not in blob and "望京" not in blob
