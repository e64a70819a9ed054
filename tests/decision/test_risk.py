"""The risk scorecard: held-out quality on German credit, calibration, artifacts, explanations."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from autoglm_ops.core.errors import ConfigurationError, ModelArtifactError
from autoglm_ops.decision.risk import MANIFEST_FILE, MODEL_FILE, RiskModel, default_model_dir
from autoglm_ops.decision.training import (
    WOEEncoder,
    binary_metrics,
    evaluate_model,
    load_mapping,
    mapping_from_manifest,
    read_dataset,
    train,
)
from tests.decision.conftest import good_applicant


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# --- quality on the held-out split ------------------------------------------------------------


def test_label_coding_of_the_shared_copy(german: Path) -> None:
    # german.doc: 700 good / 300 bad; this copy codes them 1 / 0, so 0 must be the 300 bads
    data = read_dataset(german, load_mapping())
    assert len(data.y) == 1000 and int(data.y.sum()) == 300


def test_held_out_metrics_above_floor(german: Path, risk_model: RiskModel) -> None:
    mapping = mapping_from_manifest(risk_model)
    data = read_dataset(german, mapping)
    metrics = evaluate_model(risk_model, data, mapping.split, mapping.training)
    test = metrics["test"]
    assert test["n"] == 300
    assert test["auc"] > 0.70
    assert test["ks"] > 0.30
    # calibrated: better than always predicting the base rate, and predictions match outcomes
    assert test["brier"] < 0.18 < test["brier_base_rate"]
    assert test["ece"] < 0.06
    assert abs(test["mean_pd"] - test["bad_rate"]) < 0.05
    # without the bureau features the model is weaker, and says so honestly in the manifest
    assert metrics["test_application_only"]["auc"] < test["auc"]
    recorded = risk_model.manifest["metrics"]["test"]
    assert recorded["auc"] == pytest.approx(test["auc"], abs=1e-6)
    assert recorded["brier"] == pytest.approx(test["brier"], abs=1e-6)


def test_manifest_records_the_data_set(german: Path, risk_model: RiskModel) -> None:
    manifest = risk_model.manifest
    assert manifest["dataset"]["sha256"] == hashlib.sha256(german.read_bytes()).hexdigest()
    assert manifest["dataset"]["rows"] == 1000
    assert manifest["split"] == {"test_size": 0.3, "seed": 42}
    assert manifest["version"] == risk_model.spec.version
    assert manifest["created_at"]
    assert manifest["metrics"]["calibration_check"]["brier_sigmoid"] > 0


def test_retraining_reproduces_the_shipped_model(german: Path, risk_model: RiskModel) -> None:
    result = train(german, load_mapping(), thorough=False)
    assert result.spec.intercept == pytest.approx(risk_model.spec.intercept, abs=1e-4)
    for new, old in zip(result.spec.features, risk_model.spec.features, strict=True):
        assert new.name == old.name
        assert new.coef == pytest.approx(old.coef, abs=1e-4)
        assert new.woe == pytest.approx(old.woe, abs=1e-4)
    assert result.metrics["test"]["auc"] > 0.70
    assert "cv_auc_mean" not in result.metrics


# --- artifacts --------------------------------------------------------------------------------


def _copy_model(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(default_model_dir(), folder)
    return folder


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    folder = _copy_model(tmp_path)
    spec = json.loads((folder / MODEL_FILE).read_text())
    spec["intercept"] -= 5.0  # would make everybody look safe
    (folder / MODEL_FILE).write_text(json.dumps(spec))
    with pytest.raises(ModelArtifactError, match="checksum mismatch"):
        RiskModel.load(folder)


def test_a_single_changed_byte_is_refused(tmp_path: Path) -> None:
    folder = _copy_model(tmp_path)
    raw = bytearray((folder / MODEL_FILE).read_bytes())
    raw[-2] = ord(" ") if raw[-2] != ord(" ") else ord("\t")
    (folder / MODEL_FILE).write_bytes(bytes(raw))
    with pytest.raises(ModelArtifactError):
        RiskModel.load(folder)


def test_missing_or_broken_files_are_refused(tmp_path: Path) -> None:
    folder = _copy_model(tmp_path)
    (folder / MANIFEST_FILE).unlink()
    with pytest.raises(ModelArtifactError, match="cannot read"):
        RiskModel.load(folder)
    folder = _copy_model(tmp_path / "b")
    (folder / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(ModelArtifactError, match="not JSON"):
        RiskModel.load(folder)
    # a consistent checksum over a file that is not a scorecard is still refused
    folder = _copy_model(tmp_path / "c")
    raw = b'{"format": "pickle", "name": "x"}'
    (folder / MODEL_FILE).write_bytes(raw)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["model_sha256"] = hashlib.sha256(raw).hexdigest()
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError, match="not a valid scorecard"):
        RiskModel.load(folder)


# --- prediction and explanation ---------------------------------------------------------------


def _inputs(policy, values):  # type: ignore[no-untyped-def]
    return {**values, **policy.derive(values, None, 0.8)}


def test_contributions_add_up_to_the_pd(policy, risk_model: RiskModel) -> None:  # type: ignore[no-untyped-def]
    values = _inputs(policy, good_applicant(credit_history="past_delays"))
    pred = risk_model.predict(values, top_k=100)
    spec = risk_model.spec
    base = spec.intercept + sum(f.coef * f.baseline_woe for f in spec.features)
    logit = base + sum(f.contribution for f in pred.factors)
    assert pred.pd == pytest.approx(_sigmoid(logit), abs=1e-3)
    scale = spec.scorecard
    assert pred.score == pytest.approx(scale.offset - scale.factor * logit, abs=0.5)
    points = sum(f.points for f in pred.factors)
    assert pred.score == pytest.approx(scale.offset - scale.factor * base + points, abs=1.0)
    contributions = [abs(f.contribution) for f in pred.factors]
    assert contributions == sorted(contributions, reverse=True)
    assert pred.model == "german-credit-scorecard@2.0.0"


def test_explanation_content(policy, risk_model: RiskModel) -> None:  # type: ignore[no-untyped-def]
    values = _inputs(policy, good_applicant(credit_history="past_delays", term_months=48))
    pred = risk_model.predict(values, top_k=100)
    by_name = {f.factor: f for f in pred.factors}
    term = by_name["term_months"]
    assert term.direction == "increases_risk" and term.contribution > 0 and term.points < 0
    assert "贷款期限" in term.text_zh and "48" in term.text_zh and "提高" in term.text_zh
    assert "Loan term" in term.text_en and "raises default risk" in term.text_en
    assert term.bin == "≥37"
    history = by_name["credit_history"]
    assert history.value == "past_delays" and "曾有逾期" in history.text_zh
    for f in pred.factors:
        assert f.direction in ("increases_risk", "decreases_risk", "neutral")
        assert (f.contribution > 0) == (f.direction == "increases_risk")
    assert (
        by_name["repayment_to_income"].proxy and "proxy" in by_name["repayment_to_income"].text_en
    )
    # the loan amount is not a model input (its German DM scale does not transfer; the amount
    # reaches the model relative to income, through repayment_to_income)
    assert "requested_amount" not in risk_model.feature_names
    assert len(risk_model.predict(values, top_k=3).factors) == 3


def test_missing_inputs_are_imputed_and_flagged(policy, risk_model: RiskModel) -> None:  # type: ignore[no-untyped-def]
    empty = risk_model.predict({})
    spec = risk_model.spec
    base = spec.intercept + sum(f.coef * f.baseline_woe for f in spec.features)
    assert empty.pd == pytest.approx(_sigmoid(base))
    assert empty.factors == []
    assert {f.factor for f in empty.imputed} == set(risk_model.feature_names)
    for f in empty.imputed:
        assert f.imputed and f.contribution == 0 and f.direction == "unknown"
        assert "baseline" in f.text_en and "平均水平" in f.text_zh
    # a narrative without bureau data: the bureau features are imputed, the rest scored
    pred = risk_model.predict(_inputs(policy, good_applicant()))
    assert {f.factor for f in pred.imputed} == {
        "checking_account_status",
        "credit_history",
        "savings_level",
    }


def test_unknown_and_mapped_categories(risk_model: RiskModel) -> None:
    odd = risk_model.predict({"purpose": "space_travel", "age": "forty"})
    assert {f.factor for f in odd.imputed} >= {"purpose", "age"}
    assert any("not recognised" in f.text_en for f in odd.imputed)
    for purpose in ("wedding", "medical", "travel", "other", "consumption"):
        pred = risk_model.predict({"purpose": purpose}, top_k=100)
        assert pred.factors[0].bin == "consumption_or_other"


def _purpose_bin_rows(risk_model: RiskModel) -> dict[str, int]:
    feat = next(f for f in risk_model.spec.features if f.name == "purpose")
    return dict(zip(feat.bin_labels, feat.bin_counts, strict=True))


def test_every_purpose_group_rests_on_enough_rows(risk_model: RiskModel) -> None:
    assert min(_purpose_bin_rows(risk_model).values()) >= 30


def test_values_without_training_evidence_are_not_scored(risk_model: RiskModel) -> None:
    base = risk_model.predict({})
    # a mortgage purpose and a 30-year term: nothing in the German data backs a WOE for them
    pred = risk_model.predict({"purpose": "home_purchase", "term_months": 360})
    assert pred.pd == pytest.approx(base.pd) and pred.factors == []
    by_name = {f.factor: f for f in pred.imputed}
    assert "no counterpart in the training data" in by_name["purpose"].text_en
    assert "在训练数据中无对应类别" in by_name["purpose"].text_zh
    assert "beyond the training data's range" in by_name["term_months"].text_en
    assert "超出训练数据的取值范围" in by_name["term_months"].text_zh
    assert risk_model.predict({"purpose": "debt_consolidation"}).factors == []
    # the longest German loan (72 months) is still scored, in the tail bin
    tail = risk_model.predict({"term_months": 72}, top_k=100).factors[0]
    assert tail.bin == "≥37" and tail.direction == "increases_risk"


def test_term_bins_follow_the_product_terms(risk_model: RiskModel) -> None:
    def term_bin(months: int) -> str | None:
        factors = risk_model.predict({"term_months": months}, top_k=100).factors
        return factors[0].bin if factors else None

    assert [term_bin(m) for m in (6, 12, 13, 24, 36, 37, 60)] == [
        "<13",
        "<13",
        "13–25",
        "13–25",
        "25–37",
        "≥37",
        "≥37",
    ]
    term = next(f for f in risk_model.spec.features if f.name == "term_months")
    # bad rates rise with the term in the German data, and the WOE follows them
    assert term.woe == sorted(term.woe)
    assert min(term.bin_counts) >= 30


def test_has_existing_debt_reads_repayments_then_balance(risk_model: RiskModel) -> None:
    def bin_of(values: dict[str, object]) -> str | None:
        pred = risk_model.predict(values, top_k=100)
        return next((f.bin for f in pred.factors if f.factor == "has_existing_debt"), None)

    assert bin_of({"existing_monthly_repayments": 0}) == "false"
    assert bin_of({"existing_monthly_repayments": 2800}) == "true"
    assert bin_of({"total_existing_debt": 30000}) == "true"
    assert bin_of({}) is None


def test_more_risk_gives_higher_pd(policy, risk_model: RiskModel) -> None:  # type: ignore[no-untyped-def]
    safe = risk_model.predict(
        _inputs(policy, good_applicant(credit_history="existing_repaid_duly"))
    )
    risky = risk_model.predict(
        _inputs(
            policy,
            good_applicant(
                credit_history="all_repaid_at_this_bank",
                checking_account_status="negative",
                term_months=60,
                existing_monthly_repayments=3000,
            ),
        )
    )
    assert risky.pd > safe.pd + 0.2
    assert risky.score < safe.score


# --- training pieces --------------------------------------------------------------------------


def test_woe_encoder_orders_bins_by_bad_rate() -> None:
    X = np.array([[0], [0], [0], [0], [1], [1], [1], [1]])
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    enc = WOEEncoder(n_bins=(2,), smoothing=0.5).fit(X, y)
    assert enc.woe_[0][0] > 0 > enc.woe_[0][1]
    out = enc.transform(np.array([[0], [1], [-1]]))
    assert out[2, 0] == pytest.approx(enc.baseline_[0])
    assert out[0, 0] == pytest.approx(enc.woe_[0][0])


def test_woe_prior_rows_shrink_small_bins_most() -> None:
    # bin 0: 400 rows at 25% bad; bin 1: 400 rows at 35%; bin 2: 20 rows at 60%
    X = np.array([[0]] * 400 + [[1]] * 400 + [[2]] * 20)
    y = np.array([1] * 100 + [0] * 300 + [1] * 140 + [0] * 260 + [1] * 12 + [0] * 8)
    plain = WOEEncoder(n_bins=(3,), smoothing=0.5).fit(X, y).woe_[0]
    shrunk = WOEEncoder(n_bins=(3,), smoothing=0.5, prior_rows=30).fit(X, y).woe_[0]
    assert np.all(np.sign(shrunk) == np.sign(plain))
    kept = shrunk / plain
    # the 20-row bin keeps roughly 20 / (20 + 30) of its evidence, the 400-row bins over 90%
    assert 0.3 < kept[2] < 0.55
    assert kept[0] > 0.9 and kept[1] > 0.85


def test_training_max_below_the_data_is_refused(german: Path) -> None:
    mapping = load_mapping()
    term = next(f for f in mapping.features if f.name == "term_months")
    term.training_max = 60
    with pytest.raises(ConfigurationError, match="training_max"):
        read_dataset(german, mapping)


def test_binary_metrics_on_known_cases() -> None:
    y = np.array([0, 0, 1, 1])
    perfect = binary_metrics(y, np.array([0.1, 0.2, 0.8, 0.9]))
    assert perfect["auc"] == 1.0 and perfect["ks"] == 1.0
    flat = binary_metrics(y, np.array([0.5, 0.5, 0.5, 0.5]))
    assert flat["auc"] == 0.5 and flat["brier"] == pytest.approx(0.25)


def test_bad_mapping_and_data_are_refused(tmp_path: Path, german: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("name: x\nversion: 1.0.0\n")
    with pytest.raises(ConfigurationError, match=r"m\.yaml"):
        load_mapping(bad)
    wrong_labels = tmp_path / "g.data"
    lines = german.read_text().splitlines()
    lines[1] = lines[1][:-1] + "2"  # the original coding: 2 = bad
    wrong_labels.write_text("\n".join(lines))
    with pytest.raises(ConfigurationError, match="label values"):
        read_dataset(wrong_labels, load_mapping())
    unknown_code = tmp_path / "u.data"
    lines = german.read_text().splitlines()
    lines[1] = lines[1].replace("A43", "A499", 1)
    unknown_code.write_text("\n".join(lines))
    with pytest.raises(ConfigurationError, match="A499"):
        read_dataset(unknown_code, load_mapping())
