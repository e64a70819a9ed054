"""The values a credit decision works on: the extracted fields and the values derived from them.

Everything here is pure: a dict of field -> value (and field -> confidence) in, a dict of
field/derived name -> value out. Amounts are converted to CNY with the policy's fixed FX table;
anything that cannot be computed (a missing input, an unknown currency, a zero divisor) is
``None`` rather than an exception, so that rules can say what to do with a missing value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

ValueType = Literal["number", "string", "boolean", "string_list"]

# The loan_application task's fields (tasks/builtin/loan_application.yaml) with their value types.
# A policy may declare more under `fields:` (e.g. a bureau score the bank adds itself).
LOAN_APPLICATION_FIELDS: dict[str, ValueType] = {
    "requested_amount": "number",
    "term_months": "number",
    "purpose": "string",
    "existing_monthly_repayments": "number",
    "total_existing_debt": "number",
    "owns_house": "boolean",
    "owns_car": "boolean",
    "employment_type": "string",
    "age": "number",
    "income_amount": "number",
    "currency": "string",
    "income_period": "string",
    "is_after_tax": "boolean",
    "has_provident_fund": "boolean",
    "has_social_insurance": "boolean",
    "employment_years": "number",
    "income_stability_score": "number",
}

# Chinese words for enum values and field names, so that zh reasons read as Chinese.
VALUE_LABELS_ZH: dict[str, str] = {
    "public_sector": "机关事业单位人员",
    "state_owned": "国企员工",
    "private": "企业员工",
    "self_employed": "个体经营者",
    "freelance": "自由职业者",
    "retired": "退休人员",
    "unemployed": "待业人员",
    "student": "学生",
    "consumption": "消费",
    "home_purchase": "购房",
    "home_renovation": "装修",
    "car_purchase": "购车",
    "education": "教育",
    "medical": "医疗",
    "business": "经营",
    "debt_consolidation": "债务整合",
    "wedding": "婚庆",
    "travel": "旅游",
    "other": "其他",
    "requested_amount": "申请金额",
    "term_months": "期限",
    "income_amount": "收入",
    "existing_monthly_repayments": "现有月供",
    "total_existing_debt": "负债余额",
    "employment_type": "职业类型",
    "age": "年龄",
    "employment_years": "工作年限",
}

# Values computed by derive(); conditions and reason templates may use them like fields.
DERIVED_VALUES: dict[str, ValueType] = {
    "amount_currency": "string",  # the currency all amounts are read in (income currency, else CNY)
    "fx_rate": "number",  # CNY per unit of amount_currency; None when the table has no rate
    "monthly_income": "number",  # income_amount in CNY per month
    "requested_amount_cny": "number",
    "existing_monthly_repayments_cny": "number",  # None treated as 0 if the policy says so
    "total_existing_debt_cny": "number",
    "new_monthly_repayment": "number",  # annuity of the request, CNY per month
    "total_monthly_repayments": "number",  # existing + new
    "debt_to_income": "number",  # total_monthly_repayments / monthly_income
    "repayment_to_income": "number",  # new_monthly_repayment / monthly_income
    "debt_to_annual_income": "number",  # total_existing_debt_cny / (12 × monthly_income)
    "age_at_maturity": "number",  # age + term_months / 12
    "low_confidence_fields": "string_list",  # every field with confidence < review_threshold
    "low_confidence_key_fields": "string_list",  # the policy's key fields among them
    "min_key_confidence": "number",  # the lowest confidence among the key fields given one
    "invalid_fields": "string_list",  # fields whose value had the wrong type (treated as null)
    "review_threshold": "number",
}


def _number(value: Any) -> float | None:
    """A finite float, or None for null / NaN / non-numbers (bools are not numbers here)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if math.isfinite(f) else None
    return None


def coerce_fields(
    values: Mapping[str, Any], types: Mapping[str, ValueType]
) -> tuple[dict[str, Any], list[str]]:
    """Every declared field, with its value checked against its type; wrong types become None.

    Returns the cleaned values and the names of the fields that had a wrong type.
    """
    clean: dict[str, Any] = {}
    invalid: list[str] = []
    for name, kind in types.items():
        raw = values.get(name)
        val: Any = None
        if raw is not None:
            if kind == "number":
                val = _number(raw)
            elif kind == "boolean":
                val = raw if isinstance(raw, bool) else None
            elif kind == "string":
                val = raw if isinstance(raw, str) else None
            elif kind == "string_list":
                val = list(raw) if isinstance(raw, list | tuple) else None
            if val is None:
                invalid.append(name)
        clean[name] = val
    return clean, invalid


def annuity_payment(principal: float, term_months: float, annual_rate: float) -> float | None:
    """Monthly repayment of an equal-instalment (等额本息) loan; None for nonsensical inputs."""
    n = round(term_months)
    if principal < 0 or n <= 0 or annual_rate < 0:
        return None
    r = annual_rate / 12.0
    if r == 0:
        return principal / n
    return principal * r / (1.0 - (1.0 + r) ** -n)


def annuity_principal(payment: float, term_months: float, annual_rate: float) -> float | None:
    """The principal that ``payment`` a month carries (the inverse of annuity_payment)."""
    n = round(term_months)
    if n <= 0 or annual_rate < 0:
        return None
    if payment <= 0:
        return 0.0
    r = annual_rate / 12.0
    if r == 0:
        return payment * n
    return payment * (1.0 - (1.0 + r) ** -n) / r


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def derive(
    values: Mapping[str, Any],
    *,
    annual_rate: float,
    fx_to_cny: Mapping[str, float],
    confidences: Mapping[str, float] | None = None,
    review_threshold: float = 0.8,
    key_fields: list[str] | tuple[str, ...] = (),
    missing_repayments_as_zero: bool = True,
) -> dict[str, Any]:
    """The derived values of DERIVED_VALUES from already type-checked field values.

    All amounts of one application are read in the income currency (the loan_application task
    has one currency field; CNY when none is marked) and converted to CNY with ``fx_to_cny``.
    A currency missing from the table makes every CNY amount None, so no rule silently compares
    dollars with yuan.
    """
    currency = values.get("currency")
    amount_currency = currency.upper() if isinstance(currency, str) and currency else "CNY"
    fx = _number(fx_to_cny.get(amount_currency))

    def cny(name: str) -> float | None:
        v = _number(values.get(name))
        return None if v is None or fx is None else v * fx

    monthly_income = cny("income_amount")
    requested = cny("requested_amount")
    existing = cny("existing_monthly_repayments")
    if (
        existing is None
        and missing_repayments_as_zero
        and values.get("existing_monthly_repayments") is None
    ):
        existing = 0.0
    total_debt = cny("total_existing_debt")
    term = _number(values.get("term_months"))

    new_repayment = None
    if requested is not None and term is not None:
        new_repayment = annuity_payment(requested, term, annual_rate)
    total_repayments = None
    if new_repayment is not None and existing is not None:
        total_repayments = existing + new_repayment

    age = _number(values.get("age"))
    age_at_maturity = age + term / 12.0 if age is not None and term is not None else None

    conf = dict(confidences or {})
    low = sorted(
        n for n, c in conf.items() if _number(c) is not None and float(c) < review_threshold
    )
    low_key = [n for n in key_fields if n in low]
    key_conf = [float(conf[n]) for n in key_fields if _number(conf.get(n)) is not None]

    return {
        "amount_currency": amount_currency,
        "fx_rate": fx,
        "monthly_income": monthly_income,
        "requested_amount_cny": requested,
        "existing_monthly_repayments_cny": existing,
        "total_existing_debt_cny": total_debt,
        "new_monthly_repayment": new_repayment,
        "total_monthly_repayments": total_repayments,
        "debt_to_income": _ratio(total_repayments, monthly_income),
        "repayment_to_income": _ratio(new_repayment, monthly_income),
        "debt_to_annual_income": _ratio(
            total_debt, None if monthly_income is None else 12 * monthly_income
        ),
        "age_at_maturity": age_at_maturity,
        "low_confidence_fields": low,
        "low_confidence_key_fields": low_key,
        "min_key_confidence": min(key_conf) if key_conf else None,
        "review_threshold": review_threshold,
    }
