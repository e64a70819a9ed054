"""Credit policies: versioned YAML rule sets evaluated by a safe expression engine.

A policy file names itself (name + semantic version), sets parameters (the new loan's annual rate,
an FX table, thresholds, the credit-limit rule) and lists rules. Each rule has a condition written
in the `rule-engine` expression language over the extracted fields, the derived values of
:mod:`autoglm_ops.decision.fields` and the policy's scalar parameters; an outcome (decline,
manual_review, pass); a severity; and reason templates in Chinese and English.

Conditions are parsed, type-checked against the known names and refused at load time when
malformed; they are never handed to Python's eval. A condition that meets a null value where it
needs a number (``debt_to_income > 0.5`` with no income) cannot be evaluated: by default that sends
the case to manual review with a reason naming the missing values (fail closed); a rule may say
``on_null: skip`` instead.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import rule_engine
import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from autoglm_ops.core.errors import ConfigurationError
from autoglm_ops.decision.fields import (
    DERIVED_VALUES,
    LOAN_APPLICATION_FIELDS,
    VALUE_LABELS_ZH,
    ValueType,
    annuity_principal,
    coerce_fields,
    derive,
)

Outcome = Literal["pass", "manual_review", "decline"]
Severity = Literal["low", "medium", "high", "critical"]
OUTCOME_RANK: dict[str, int] = {"pass": 0, "manual_review": 1, "decline": 2}
SEVERITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$")
# Regex matching invites catastrophic backtracking and `$` reaches the engine's builtins
# (clock, random); credit rules need neither.
_FORBIDDEN = (
    ("=~", "regular-expression operators"),
    ("!~", "regular-expression operators"),
    ("$", "engine builtins ($...)"),
)
_RULE_ENGINE_TYPES: dict[ValueType, Any] = {
    "number": rule_engine.DataType.FLOAT,
    "string": rule_engine.DataType.STRING,
    "boolean": rule_engine.DataType.BOOLEAN,
    "string_list": rule_engine.DataType.ARRAY(rule_engine.DataType.STRING),
}


class PolicyDefinitionError(ConfigurationError):
    """A policy file that cannot be used; names the file, the rule and the reason."""

    code = "policy_definition_error"

    def __init__(self, path: str, rule_id: str, reason: str) -> None:
        super().__init__(
            f"policy file {path}: rule {rule_id!r}: {reason}",
            details={"file": path, "rule": rule_id, "reason": reason},
        )
        self.path = path
        self.rule_id = rule_id
        self.reason = reason


def parse_semver(version: str) -> tuple[int, int, int, int, str]:
    """A sort key for MAJOR.MINOR.PATCH[-pre]; pre-releases sort before their release."""
    m = _SEMVER.match(version)
    if not m:
        raise ValueError(f"version {version!r} is not semantic (MAJOR.MINOR.PATCH[-pre])")
    pre = m.group(4) or ""
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, pre)


# --- file schema -----------------------------------------------------------------------------


class RuleSpec(BaseModel):
    """One rule as written in the policy file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")
    condition: str = Field(min_length=1)
    outcome: Outcome
    severity: Severity = "medium"
    reason_zh: str = Field(min_length=1)
    reason_en: str = Field(min_length=1)
    on_null: Literal["review", "skip"] = "review"
    description: str | None = None


class CreditLimitSpec(BaseModel):
    """min(requested, multiple × monthly income − weight × existing debt, affordability, cap)."""

    model_config = ConfigDict(extra="forbid")

    income_multiples: dict[str, float] = Field(default_factory=dict)  # by employment_type
    default_multiple: float = Field(12.0, ge=0)
    existing_debt_weight: float = Field(1.0, ge=0)
    max_dti: float = Field(0.5, gt=0)  # the monthly repayment the limit may add up to
    max_limit: float = Field(300_000.0, gt=0)
    round_down_to: float = Field(1000.0, gt=0)


class PolicyParameters(BaseModel):
    """Structured parameters; any further scalar parameter can be used in conditions by name."""

    model_config = ConfigDict(extra="allow")

    annual_rate: float = Field(ge=0, le=1)
    fx_to_cny: dict[str, float] = Field(default_factory=lambda: {"CNY": 1.0})
    key_fields: list[str] = Field(default_factory=list)
    missing_existing_repayments_as_zero: bool = True
    credit_limit: CreditLimitSpec = Field(default_factory=CreditLimitSpec)


class _PolicyHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str
    description: str = ""
    fields: dict[str, Literal["number", "string", "boolean"]] = Field(default_factory=dict)
    parameters: PolicyParameters
    rules: list[dict[str, Any]] = Field(min_length=1)


# --- results ---------------------------------------------------------------------------------


class FiredRule(BaseModel):
    """A rule that fired (or could not be evaluated), with its reasons filled in."""

    id: str
    outcome: Outcome
    severity: Severity
    reason_zh: str
    reason_en: str
    values: dict[str, Any] = Field(default_factory=dict)  # the inputs the condition read
    unevaluable: bool = False


class PolicyDecision(BaseModel):
    """What a policy says about one application."""

    policy_name: str
    policy_version: str
    outcome: Outcome
    credit_limit: float | None  # CNY; 0 when declined; None when income/request are unknown
    credit_limit_currency: str = "CNY"
    fired_rules: list[FiredRule] = Field(default_factory=list)
    skipped_rules: list[str] = Field(default_factory=list)  # on_null: skip, with a null input
    derived: dict[str, Any] = Field(default_factory=dict)
    invalid_fields: list[str] = Field(default_factory=list)


# --- the engine ------------------------------------------------------------------------------


class _ReasonFormatter(string.Formatter):
    """str.format that prints null as a word and lists joined, whatever the format spec."""

    def __init__(self, null_text: str, labels: Mapping[str, str] | None = None) -> None:
        self.null_text = null_text
        self.labels = dict(labels or {})

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:
            return self.null_text
        if isinstance(value, list | tuple):
            return ", ".join(self.labels.get(str(v), str(v)) for v in value) if value else "-"
        if isinstance(value, str) and not format_spec:
            return self.labels.get(value, value)
        if isinstance(value, float) and not format_spec:
            return str(int(value)) if value.is_integer() else f"{value:.2f}"
        try:
            return super().format_field(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


_ZH = _ReasonFormatter("缺失", VALUE_LABELS_ZH)
_EN = _ReasonFormatter("missing")


class _CompiledRule:
    def __init__(self, spec: RuleSpec, rule: rule_engine.Rule, symbols: list[str]) -> None:
        self.spec = spec
        self.rule = rule
        self.symbols = symbols


def _template_names(template: str) -> list[str]:
    names = []
    for _, field_name, _, _ in string.Formatter().parse(template):
        if field_name is not None:
            names.append(field_name)
    return names


class Policy:
    """A loaded, checked policy. Build with :func:`load_policy` or :meth:`from_dict`."""

    def __init__(
        self,
        header: _PolicyHeader,
        rules: list[_CompiledRule],
        field_types: dict[str, ValueType],
        source: str,
    ) -> None:
        self.name = header.name
        self.version = header.version
        self.description = header.description
        self.parameters = header.parameters
        self.source = source
        self._rules = rules
        self._field_types = field_types
        self._scalars = _scalar_parameters(header.parameters)

    @property
    def rule_ids(self) -> list[str]:
        return [r.spec.id for r in self._rules]

    @property
    def rules(self) -> list[RuleSpec]:
        return [r.spec for r in self._rules]

    @property
    def field_types(self) -> dict[str, ValueType]:
        return dict(self._field_types)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<memory>") -> Policy:
        """Check and compile a policy given as parsed YAML; raises PolicyDefinitionError."""
        if not isinstance(data, dict):
            raise PolicyDefinitionError(source, "(policy)", "the file must hold a mapping")
        try:
            header = _PolicyHeader.model_validate(data)
        except PydanticValidationError as exc:
            raise PolicyDefinitionError(source, "(policy)", _first_error(exc)) from None
        try:
            parse_semver(header.version)
        except ValueError as exc:
            raise PolicyDefinitionError(source, "(policy)", str(exc)) from None

        field_types: dict[str, ValueType] = {**LOAN_APPLICATION_FIELDS, **header.fields}
        scalars = _scalar_parameters(header.parameters)
        bad = [k for k, v in (header.parameters.model_extra or {}).items() if k not in scalars]
        if bad:
            raise PolicyDefinitionError(
                source, "(policy)", f"parameter {bad[0]!r} must be a number, string or boolean"
            )
        namespace: dict[str, ValueType] = {**field_types, **DERIVED_VALUES}
        clash = sorted(set(scalars) & set(namespace))
        if clash:
            raise PolicyDefinitionError(
                source, "(policy)", f"parameter {clash[0]!r} shadows a field or derived value"
            )
        for name, value in scalars.items():
            namespace[name] = (
                "boolean"
                if isinstance(value, bool)
                else "number"
                if isinstance(value, int | float)
                else "string"
            )
        unknown_keys = [f for f in header.parameters.key_fields if f not in field_types]
        if unknown_keys:
            raise PolicyDefinitionError(
                source, "(policy)", f"key_fields names unknown field {unknown_keys[0]!r}"
            )

        compiled: list[_CompiledRule] = []
        seen: set[str] = set()
        for index, raw in enumerate(header.rules):
            rule_id = (
                str(raw.get("id", f"#{index + 1}")) if isinstance(raw, dict) else f"#{index + 1}"
            )
            try:
                spec = RuleSpec.model_validate(raw)
            except PydanticValidationError as exc:
                raise PolicyDefinitionError(source, rule_id, _first_error(exc)) from None
            if spec.id in seen:
                raise PolicyDefinitionError(source, spec.id, "duplicate rule id")
            seen.add(spec.id)
            compiled.append(_compile_rule(spec, namespace, source))
        return cls(header, compiled, field_types, source)

    def evaluate(
        self,
        values: Mapping[str, Any],
        confidences: Mapping[str, float] | None = None,
        review_threshold: float = 0.8,
    ) -> PolicyDecision:
        """Evaluate every rule; the decision is the most severe outcome among those that fired."""
        ns_values = self.derive(values, confidences, review_threshold)
        namespace = {**self._scalars, **ns_values}
        invalid: list[str] = ns_values["invalid_fields"]

        fired: list[FiredRule] = []
        skipped: list[str] = []
        for rule in self._rules:
            spec = rule.spec
            seen_values = {s: namespace.get(s) for s in rule.symbols}
            try:
                hit = bool(rule.rule.matches(namespace))
            except rule_engine.errors.EngineError:
                nulls = [s for s in rule.symbols if namespace.get(s) is None]
                if spec.on_null == "skip":
                    skipped.append(spec.id)
                    continue
                missing = ", ".join(nulls) or "-"
                fired.append(
                    FiredRule(
                        id=spec.id,
                        outcome="manual_review",
                        severity=spec.severity,
                        reason_zh=f"规则 {spec.id} 无法评估（缺少：{missing}），需人工审核",
                        reason_en=f"rule {spec.id} could not be evaluated (missing: {missing});"
                        " manual review",
                        values=seen_values,
                        unevaluable=True,
                    )
                )
                continue
            if hit:
                fired.append(
                    FiredRule(
                        id=spec.id,
                        outcome=spec.outcome,
                        severity=spec.severity,
                        reason_zh=_ZH.vformat(spec.reason_zh, (), namespace),
                        reason_en=_EN.vformat(spec.reason_en, (), namespace),
                        values=seen_values,
                    )
                )
        fired.sort(key=lambda f: (-OUTCOME_RANK[f.outcome], -SEVERITY_RANK[f.severity]))
        outcome: Outcome = fired[0].outcome if fired else "pass"
        return PolicyDecision(
            policy_name=self.name,
            policy_version=self.version,
            outcome=outcome,
            credit_limit=self._credit_limit(outcome, namespace),
            fired_rules=fired,
            skipped_rules=skipped,
            derived={k: ns_values[k] for k in DERIVED_VALUES if k != "review_threshold"},
            invalid_fields=invalid,
        )

    def derive(
        self,
        values: Mapping[str, Any],
        confidences: Mapping[str, float] | None = None,
        review_threshold: float = 0.8,
    ) -> dict[str, Any]:
        """The type-checked fields plus the derived values, as the rules see them."""
        clean, invalid = coerce_fields(values, self._field_types)
        p = self.parameters
        derived = derive(
            clean,
            annual_rate=p.annual_rate,
            fx_to_cny=p.fx_to_cny,
            confidences=confidences,
            review_threshold=review_threshold,
            key_fields=p.key_fields,
            missing_repayments_as_zero=p.missing_existing_repayments_as_zero,
        )
        return {**clean, **derived, "invalid_fields": invalid}

    def _credit_limit(self, outcome: Outcome, ns: Mapping[str, Any]) -> float | None:
        if outcome == "decline":
            return 0.0
        spec = self.parameters.credit_limit
        income = ns.get("monthly_income")
        requested = ns.get("requested_amount_cny")
        if income is None or requested is None or income <= 0:
            return None
        multiple = spec.income_multiples.get(str(ns.get("employment_type")), spec.default_multiple)
        debt = ns.get("total_existing_debt_cny") or 0.0
        caps = [requested, multiple * income - spec.existing_debt_weight * debt, spec.max_limit]
        term = ns.get("term_months")
        if term is not None:
            room = spec.max_dti * income - (ns.get("existing_monthly_repayments_cny") or 0.0)
            affordable = annuity_principal(room, term, self.parameters.annual_rate)
            if affordable is not None:
                caps.append(affordable)
        limit = max(0.0, min(caps))
        return float(math.floor(limit / spec.round_down_to) * spec.round_down_to)


def _scalar_parameters(params: PolicyParameters) -> dict[str, Any]:
    return {
        k: v
        for k, v in (params.model_extra or {}).items()
        if isinstance(v, bool | int | float | str)
    }


def _first_error(exc: PydanticValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
    return f"{loc}: {err.get('msg', 'invalid')}"


def _compile_rule(spec: RuleSpec, namespace: Mapping[str, ValueType], source: str) -> _CompiledRule:
    for token, what in _FORBIDDEN:
        if token in spec.condition:
            raise PolicyDefinitionError(source, spec.id, f"condition uses {what}, not allowed")
    symbols: list[str] = []

    def resolve_type(name: str) -> Any:
        if name not in namespace:
            raise rule_engine.errors.SymbolResolutionError(name)
        if name not in symbols:
            symbols.append(name)
        return _RULE_ENGINE_TYPES[namespace[name]]

    context = rule_engine.Context(type_resolver=resolve_type)
    try:
        rule = rule_engine.Rule(spec.condition, context=context)
    except rule_engine.errors.SymbolResolutionError as exc:
        raise PolicyDefinitionError(
            source,
            spec.id,
            f"condition names {exc.symbol_name!r}, not a known field, derived value or parameter",
        ) from None
    except rule_engine.errors.EngineError as exc:
        raise PolicyDefinitionError(
            source, spec.id, f"condition does not parse: {type(exc).__name__}: {exc.message}"
        ) from None
    result_type = rule.statement.expression.result_type
    if result_type not in (rule_engine.DataType.BOOLEAN, rule_engine.DataType.UNDEFINED):
        raise PolicyDefinitionError(
            source, spec.id, f"condition must be true/false, not {result_type.name}"
        )
    for lang, template in (("reason_zh", spec.reason_zh), ("reason_en", spec.reason_en)):
        try:
            names = _template_names(template)
        except ValueError as exc:
            raise PolicyDefinitionError(
                source, spec.id, f"{lang} is not a valid template: {exc}"
            ) from None
        for name in names:
            # `{x.attr}` / `{x[0]}` would let a template reach into Python objects
            if not name or not name.isidentifier():
                raise PolicyDefinitionError(
                    source, spec.id, f"{lang} placeholder {{{name}}} must be a plain name"
                )
            if name not in namespace:
                raise PolicyDefinitionError(
                    source, spec.id, f"{lang} placeholder {{{name}}} is not a known value"
                )
    return _CompiledRule(spec, rule, symbols)


def load_policy(path: str | Path) -> Policy:
    """Load and check one policy file; raises PolicyDefinitionError naming the file."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyDefinitionError(str(p), "(policy)", f"cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PolicyDefinitionError(str(p), "(policy)", f"not valid YAML{where}") from None
    return Policy.from_dict(data, source=str(p))


def default_policy() -> Policy:
    """The policy shipped with the package (policies/default.yaml)."""
    entry = resources.files("autoglm_ops.decision") / "policies" / "default.yaml"
    with resources.as_file(entry) as path:
        return load_policy(path)


class PolicyCatalog:
    """Policies by name and version, e.g. every file of a folder."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], Policy] = {}

    @classmethod
    def load_dir(cls, folder: str | Path) -> PolicyCatalog:
        """Load every ``*.yaml``/``*.yml`` in ``folder``; any bad file refuses the whole folder."""
        root = Path(folder)
        if not root.is_dir():
            raise PolicyDefinitionError(str(root), "(folder)", "not a directory")
        catalog = cls()
        for path in sorted([*root.glob("*.yaml"), *root.glob("*.yml")]):
            catalog.add(load_policy(path))
        return catalog

    def add(self, policy: Policy) -> None:
        key = (policy.name, policy.version)
        if key in self._by_key:
            raise PolicyDefinitionError(
                policy.source,
                "(policy)",
                f"{policy.name}@{policy.version} is also defined in {self._by_key[key].source}",
            )
        self._by_key[key] = policy

    def versions(self, name: str) -> list[str]:
        """The versions of one policy, oldest first."""
        return sorted((v for n, v in self._by_key if n == name), key=parse_semver)

    def names(self) -> list[str]:
        return sorted({n for n, _ in self._by_key})

    def get(self, name: str, version: str | None = None) -> Policy:
        """A policy by name and exact version; the highest release version when none is given."""
        versions = self.versions(name)
        if not versions:
            raise ConfigurationError(
                f"unknown policy {name!r}; known policies: {', '.join(self.names()) or '(none)'}"
            )
        if version is None:
            releases = [v for v in versions if "-" not in v] or versions
            return self._by_key[(name, releases[-1])]
        if (name, version) not in self._by_key:
            raise ConfigurationError(
                f"policy {name!r} has no version {version!r}; known: {', '.join(versions)}"
            )
        return self._by_key[(name, version)]
