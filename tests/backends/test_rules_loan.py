"""The rules backend's loan_application fields: every rule in Chinese and English, evidence
offsets, negations, and the merged extraction of the whole task."""

from __future__ import annotations

import time
from typing import Any

import pytest

from autoglm_ops.backends.rules import RulesExtractor
from autoglm_ops.backends.rules.loan import LOAN_FIELDS, extract_loan_fields
from autoglm_ops.core.compare import values_equal
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.tasks.registry import TaskRegistry

REGISTRY = TaskRegistry.load()
TASK = REGISTRY.get("loan_application")


def check(text: str, **expected: Any) -> None:
    out = extract_loan_fields(text)
    for name, want in expected.items():
        got = out[name].value
        assert values_equal(want, got), f"{name}: expected {want!r}, got {got!r}"


# (text, expected fields): written for these tests, not taken from the data set
CASES: list[tuple[str, dict[str, Any]]] = [
    # requested_amount: 贷/借/申请 + amount, units, ranges → lower bound, calculations
    ("想贷30万开个奶茶店", {"requested_amount": 300000, "purpose": "business"}),
    ("申请借款金额：伍万元整，期限12个月", {"requested_amount": 50000, "term_months": 12}),
    ("想借1w5周转一下生意", {"requested_amount": 15000, "purpose": "business"}),
    ("想借8到10万装修", {"requested_amount": 80000, "purpose": "home_renovation"}),
    ("I'd like to borrow $12,500 for a used car over 48 months.", {"requested_amount": 12500}),
    ("Looking for a loan of about 40k to renovate the kitchen.", {"requested_amount": 40000}),
    ("Need between 6,000 and 8,000 dollars for dental work.", {"requested_amount": 6000}),
    (
        "总价200万，首付60万，剩下的贷款，期限25年",
        {"requested_amount": 1400000, "term_months": 300},
    ),
    ("看中一套房总价150万，首付三成，其余贷款", {"requested_amount": 1050000}),
    (
        "House price is $300,000; we put 20% down and need a mortgage for the rest.",
        {"requested_amount": 240000, "purpose": "home_purchase"},
    ),
    ("能贷多少贷多少，越多越好", {"requested_amount": None}),
    ("月薪一万二，房贷月供四千", {"requested_amount": None}),
    # term_months
    ("想贷5万，分24期", {"term_months": 24}),
    ("借两万，半年还清", {"term_months": 6}),
    ("贷款20万，一年半还完", {"term_months": 18}),
    ("想借10万，期限三年", {"term_months": 36}),
    ("贷10万，两年", {"term_months": 24}),
    ("I need $5,000, repaid over 18 months.", {"term_months": 18}),
    ("Could I borrow 3,000 and pay it back in a year?", {"term_months": 12}),
    ("Requesting $20,000 for a 5-year term.", {"term_months": 60}),
    ("在公司工作五年了，想借3万", {"term_months": None}),
    ("I have worked there for 6 years and want to borrow $4,000.", {"term_months": None}),
    ("车贷还剩两年，想借2万", {"term_months": None}),
    # purpose
    ("想贷款10万买车", {"purpose": "car_purchase"}),
    ("I want $9,000 to buy a car.", {"purpose": "car_purchase"}),
    ("想借3万给孩子交学费", {"purpose": "education"}),
    ("Borrowing $4,000 for my tuition.", {"purpose": "education"}),
    ("想借5万做手术", {"purpose": "medical"}),
    ("I need $7,000 for knee surgery.", {"purpose": "medical"}),
    ("想借两万把信用卡还上", {"purpose": "debt_consolidation"}),
    ("Looking for $15,000 to pay off my credit cards.", {"purpose": "debt_consolidation"}),
    ("想贷20万办婚礼", {"purpose": "wedding"}),
    ("I'd like $10,000 for our wedding.", {"purpose": "wedding"}),
    ("想借2万去日本旅游", {"purpose": "travel"}),
    ("Need $3,000 for a trip to Italy.", {"purpose": "travel"}),
    ("想借8000买个手机和电脑", {"purpose": "consumption"}),
    ("I'd like $1,200 for a new laptop.", {"purpose": "consumption"}),
    ("想借5000交房租押金", {"purpose": "other", "owns_house": False}),
    ("Need $2,000 for my father's funeral.", {"purpose": "other"}),
    ("想贷款买房，首付还差30万", {"purpose": "home_purchase", "requested_amount": 300000}),
    ("想贷30万把店面装修一下", {"purpose": "business"}),
    ("想借点钱周转", {"purpose": "other", "requested_amount": None}),
    ("请问贷款利息怎么算？", {"purpose": None, "requested_amount": None}),
    # existing_monthly_repayments and total_existing_debt
    ("房贷月供4500，车贷每月2000", {"existing_monthly_repayments": 6500}),
    (
        "Mortgage is $1,800 a month and my car payment is $350/month.",
        {"existing_monthly_repayments": 2150, "owns_house": True, "owns_car": True},
    ),
    ("信用卡欠了3万，网贷还欠1万2", {"total_existing_debt": 42000}),
    ("I owe $4,000 on a credit card.", {"total_existing_debt": 4000}),
    (
        "房贷每月3000，还欠50万",
        {"existing_monthly_repayments": 3000, "total_existing_debt": 500000},
    ),
    (
        "车贷每月还2000，还剩12期",
        {"existing_monthly_repayments": 2000, "total_existing_debt": 24000},
    ),
    ("Car loan $300 a month, 10 payments left.", {"total_existing_debt": 3000}),
    ("没有任何负债", {"existing_monthly_repayments": 0, "total_existing_debt": 0}),
    ("I have no debts.", {"existing_monthly_repayments": 0, "total_existing_debt": 0}),
    ("没有房贷", {"existing_monthly_repayments": None, "total_existing_debt": None}),
    (
        "房贷月供5000，没有其他负债",
        {"existing_monthly_repayments": 5000, "total_existing_debt": None},
    ),
    (
        "当初贷了100万，现在每月还6000",
        {"existing_monthly_repayments": 6000, "total_existing_debt": None},
    ),
    ("信用卡额度5万，想借3万", {"total_existing_debt": None, "requested_amount": 30000}),
    ("车贷已还清", {"total_existing_debt": None, "owns_car": True}),
    # owns_house / owns_car with negation
    ("有房有车", {"owns_house": True, "owns_car": True}),
    ("没房没车", {"owns_house": False, "owns_car": False}),
    ("有房没车", {"owns_house": True, "owns_car": False}),
    ("现在租房住", {"owns_house": False}),
    ("目前和父母住", {"owns_house": False}),
    ("房贷每月两千", {"owns_house": True}),
    ("我爸妈有一套房", {"owns_house": None}),
    ("I rent an apartment downtown.", {"owns_house": False}),
    ("We own our house outright.", {"owns_house": True}),
    ("I don't have a car.", {"owns_car": False}),
    ("My car loan is $250 a month.", {"owns_car": True}),
    ("想买辆车", {"owns_car": None}),
    # employment_type
    ("我是公务员", {"employment_type": "public_sector"}),
    ("在事业单位上班", {"employment_type": "public_sector"}),
    ("I'm a police officer.", {"employment_type": "public_sector"}),
    ("在国企上班", {"employment_type": "state_owned"}),
    ("I work for a state-owned bank.", {"employment_type": "state_owned"}),
    ("开了家小超市", {"employment_type": "self_employed"}),
    ("I'm self-employed as an electrician.", {"employment_type": "self_employed"}),
    ("跑外卖的", {"employment_type": "freelance"}),
    ("I drive for Uber.", {"employment_type": "freelance"}),
    ("已经退休了，退休金每月四千", {"employment_type": "retired"}),
    ("I'm retired.", {"employment_type": "retired"}),
    ("待业在家", {"employment_type": "unemployed"}),
    ("I'm unemployed right now.", {"employment_type": "unemployed"}),
    ("在读研究生", {"employment_type": "student"}),
    ("I'm a college student.", {"employment_type": "student"}),
    ("在一家私企上班", {"employment_type": "private"}),
    ("I work at a software company.", {"employment_type": "private"}),
    ("之前在国企上班，现在待业", {"employment_type": "unemployed"}),
    ("还没退休，在私企上班", {"employment_type": "private"}),
    ("老公在国企上班，我在一家私企做会计", {"employment_type": "private"}),
    ("My student loan is $200 a month; I work at a bank.", {"employment_type": "private"}),
    # age
    ("本人今年32岁", {"age": 32}),
    ("男，45周岁", {"age": 45}),
    ("我今年58了", {"age": 58}),
    ("1990年出生", {"age": 36}),
    ("95年的", {"age": 31}),
    ("快40了", {"age": 40}),
    ("三十多岁", {"age": 30}),
    ("90后", {"age": None}),
    ("儿子今年8岁", {"age": None}),
    ("I'm 29 and work as a nurse.", {"age": 29}),
    ("I am a 41-year-old teacher.", {"age": 41}),
    ("Born in 1970.", {"age": 56}),
    ("22 years old, no job.", {"age": 22}),
    ("My daughter is 12 years old.", {"age": None}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:24] for c in CASES])
def test_rules(text: str, expected: dict[str, Any]) -> None:
    check(text, **expected)


ALL_TEXTS = [c[0] for c in CASES] + [e.text for e in TASK.examples]


@pytest.mark.parametrize("text", ALL_TEXTS, ids=[t[:16] for t in ALL_TEXTS])
def test_evidence_offsets_and_confidence(text: str) -> None:
    out = extract_loan_fields(text)
    assert set(out) == set(LOAN_FIELDS)
    for name, f in out.items():
        assert 0.0 <= f.confidence <= 1.0, name
        if f.value is None:
            assert f.evidence is None, name
        else:
            assert f.evidence is not None, name
            assert text[f.evidence.start : f.evidence.end] == f.evidence.text, name
            assert f.evidence.text, name


def test_evidence_points_at_the_number_of_a_full_width_text() -> None:
    text = "本人１９８８年出生，想贷款２０万元装修，分３年还。"
    out = extract_loan_fields(text)
    assert out["age"].value == 38
    req = out["requested_amount"]
    assert req.value == 200000
    assert req.evidence is not None and req.evidence.text.startswith("２０万")
    assert out["term_months"].value == 36


@pytest.mark.parametrize("example", TASK.examples, ids=[e.text[:16] for e in TASK.examples])
def test_worked_examples_of_the_task(example: Any) -> None:
    out = extract_loan_fields(example.text)
    for name in LOAN_FIELDS:
        want = example.expected[name]
        assert values_equal(want, out[name].value), f"{name}: {want!r} vs {out[name].value!r}"


def test_extractor_serves_loan_application_with_income_fields() -> None:
    ext = RulesExtractor()
    assert ext.supports(TASK)
    text = TASK.examples[0].text
    out = ext.extract(text, TASK)
    assert out.task == "loan_application"
    assert set(out.fields) == set(TASK.field_names)
    assert out.fields["income_amount"].value == 12000
    assert out.fields["requested_amount"].value == 200000
    assert out.fields["employment_type"].value == "state_owned"


def test_extractor_still_refuses_other_tasks() -> None:
    class Other:
        name = "product_listing"

    with pytest.raises(ValidationError):
        RulesExtractor().extract("text", Other())  # type: ignore[arg-type]


def test_fast_enough() -> None:
    texts = [c[0] for c in CASES]
    extract_loan_fields("预热 warm-up 想贷10万")
    t0 = time.perf_counter()
    for text in texts:
        extract_loan_fields(text + " ")  # a new string: no cache hit
    per_text = (time.perf_counter() - t0) / len(texts)
    assert per_text < 0.05  # generous: a shared 2-core machine, typically ~2 ms


def test_null_confidence_is_the_chance_that_null_is_right() -> None:
    # nothing about a loan at all: null is very likely right
    quiet = extract_loan_fields("今天天气不错")
    assert quiet["requested_amount"].confidence >= 0.8
    assert quiet["existing_monthly_repayments"].confidence >= 0.8
    # a loan asked for but no amount / purpose / job read: null is probably a miss
    asked = extract_loan_fields("想借点钱，有房贷")
    assert asked["requested_amount"].value is None
    assert asked["requested_amount"].confidence < 0.5
    assert asked["employment_type"].confidence < 0.5
    # debts mentioned without an amount: null is the contract's answer, but less certain
    assert asked["existing_monthly_repayments"].value is None
    assert (
        asked["existing_monthly_repayments"].confidence
        < quiet["existing_monthly_repayments"].confidence
    )
