"""The real-data certification pipeline: certificate arithmetic, the held-out test split, the data protocol and
its errors.  Pipeline runs use two small configurations and a short STE run to stay fast."""

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qtheory.certify_data import (
    DEFAULT_MAX_BOUND,
    MULTICLASS_MAX_BOUND,
    Config,
    certificate,
    certify_dataset,
    default_configs,
    default_max_bound,
    encode_labels,
    prepare_data,
    select_config,
    split_rows,
)
from qtheory.cli import main
from qtheory.data import Dataset

# three configurations on which the two selection rules disagree (breast_cancer, seed 3): the smallest V4 is the
# sparse K = 1 model, the best fit within the budget V4 <= FIXTURE_BUDGET the denser hinge model
FIXTURE_BUDGET = 0.2
SMALL_CONFIGS = [Config(lam=0.08, K=2, step=1.0), Config(lam=0.04, K=1, step=1.0),
                 Config(lam=0.004, K=3, step=2.0, loss="hinge")]
STE_QUICK = {"epochs": 100}
REQUIRED = {"dataset", "n_train", "n_test", "train_error", "test_error", "nonzeros", "p", "Qsize", "M", "delta",
            "bound_V4", "bound_V1", "bound_hoeffding"}


# ---------------------------------------------------------------------------------------------------------
# An independent transcription of V1 and of the Hoeffding certificate (docs/theory.md section 3 and L1 with V2's
# ln M), written here on purpose without qtheory.theory, to check the pipeline's numbers against.
def _kl(q: float, r: float) -> float:
    out = 0.0
    if q > 0:
        out += q * math.log(q / r)
    if q < 1:
        out += (1 - q) * math.log((1 - q) / (1 - r))
    return out


def _kl_inverse(q: float, c: float) -> float:
    """max{r in [q, 1] : kl(q||r) <= c} by bisection in plain floats."""
    if q >= 1:
        return 1.0
    lo, hi = q, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid >= 1 or _kl(q, mid) > c:
            hi = mid
        else:
            lo = mid
    return lo


def independent_v1(Ln: float, k: int, n: int, p: int, Qsize: int, delta: float, M: int) -> float:
    c = (k * math.log(p * Qsize) + math.log(2 * (p + 1) * math.sqrt(n) / delta) + math.log(M)) / n
    return _kl_inverse(Ln, c)


def independent_v4(Ln: float, k: int, n: int, p: int, Qsize: int, delta: float, M: int) -> float:
    """V4: V1 with the exact count C(p,k)(|Q|-1)^k of networks with k non-zeros (exact integers)."""
    c = (math.log(math.comb(p, k) * (Qsize - 1) ** k) + math.log(2 * (p + 1) * math.sqrt(n) / delta) + math.log(M)) / n
    return _kl_inverse(Ln, c)


def independent_hoeffding(Ln: float, k: int, n: int, p: int, Qsize: int, delta: float, M: int) -> float:
    return Ln + math.sqrt((k * math.log(p * Qsize) + math.log(2 * (p + 1) / delta) + math.log(M)) / (2 * n))


def _check_record_bounds(facts: dict, n: int, delta: float, M: int) -> None:
    args = (facts["train_error"], facts["nonzeros"], n, facts["p"], facts["Qsize"], delta, M)
    assert facts["bound_V4"] == pytest.approx(independent_v4(*args), abs=1e-9)
    assert facts["bound_V1"] == pytest.approx(independent_v1(*args), abs=1e-9)
    assert facts["bound_V4"] <= facts["bound_V1"] + 1e-12
    assert facts["bound_hoeffding"] == pytest.approx(independent_hoeffding(*args), abs=1e-9)


# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def record():
    return certify_dataset("breast_cancer", seed=3, configs=SMALL_CONFIGS, ste_options=STE_QUICK,
                           max_bound=FIXTURE_BUDGET)


@given(
    Ln=st.floats(0.0, 1.0),
    k=st.integers(0, 40),
    extra=st.integers(0, 500),
    n=st.integers(8, 100_000),
    Qsize=st.integers(2, 255),
    delta=st.floats(1e-6, 0.5),
    M=st.integers(1, 1000),
)
def test_certificate_agrees_with_an_independent_transcription(Ln, k, extra, n, Qsize, delta, M):
    p = k + extra + 1
    got = certificate(train_error=Ln, nonzeros=k, n=n, p=p, Qsize=Qsize, delta=delta, M=M)
    assert got["bound_V1"] == pytest.approx(independent_v1(Ln, k, n, p, Qsize, delta, M), abs=1e-9)
    assert got["bound_V4"] == pytest.approx(independent_v4(Ln, k, n, p, Qsize, delta, M), abs=1e-9)
    assert Ln <= got["bound_V4"] <= got["bound_V1"] + 1e-12
    assert got["bound_hoeffding"] == pytest.approx(independent_hoeffding(Ln, k, n, p, Qsize, delta, M), abs=1e-12)
    assert Ln <= got["bound_V1"] <= 1.0


def test_certificate_pays_for_selection_and_sparsity():
    base = dict(train_error=0.03, n=400, p=31, Qsize=3, delta=0.05)
    one = certificate(nonzeros=5, M=1, **base)
    many = certificate(nonzeros=5, M=24, **base)
    denser = certificate(nonzeros=6, M=24, **base)
    assert one["bound_V1"] < many["bound_V1"] < denser["bound_V1"]
    assert one["bound_V4"] < many["bound_V4"] < denser["bound_V4"]
    assert one["bound_hoeffding"] < many["bound_hoeffding"] < denser["bound_hoeffding"]


def test_record_certificates_recomputed_from_the_json_fields(record):
    assert REQUIRED <= set(record)
    record = json.loads(json.dumps(record))  # exactly what --json prints
    n, delta, M = record["n_train"], record["delta"], record["M"]
    assert M == len(SMALL_CONFIGS) and delta == 0.05 and record["start_penalty"] == "latent"
    _check_record_bounds(record, n, delta, M)
    _check_record_bounds(record["ste"], n, delta, M)  # the baseline pays the same ln M
    for row in record["configs"]:
        _check_record_bounds(row, n, delta, M)
    # the chosen configuration follows the default rule, on training-split facts only: the smallest training
    # error among the rows with V4 <= the budget, or the smallest V4 when no row meets the budget
    assert record["max_bound"] == FIXTURE_BUDGET
    rows = record["configs"]
    within = [r for r in rows if r["bound_V4"] <= FIXTURE_BUDGET]
    if within:
        assert record["bound_V4"] <= FIXTURE_BUDGET
        assert record["train_error"] == min(r["train_error"] for r in within)
    else:
        assert record["bound_V4"] == min(r["bound_V4"] for r in rows)
    assert record["config"] == rows[select_config(rows, FIXTURE_BUDGET)]["config"]


def test_selection_rules():
    rows = [
        {"bound_V4": 0.15, "train_error": 0.05},
        {"bound_V4": 0.18, "train_error": 0.02},
        {"bound_V4": 0.25, "train_error": 0.00},
        {"bound_V4": 0.17, "train_error": 0.02},
    ]
    assert select_config(rows, None) == 0  # smallest V4
    assert select_config(rows, 0.2) == 3  # best fit within the budget; tie on train error -> smaller V4
    assert select_config(rows) == select_config(rows, DEFAULT_MAX_BOUND)  # the default is the budget rule
    assert default_max_bound(2) == DEFAULT_MAX_BOUND == 0.15 and default_max_bound(10) == MULTICLASS_MAX_BOUND == 0.4
    assert select_config(rows, 0.16) == 0
    assert select_config(rows, 0.1) == 0  # nothing within the budget: smallest V1
    with pytest.raises(ValueError, match=r"max_bound == 2"):
        select_config(rows, 2)


def test_default_configurations():
    binary = default_configs(2)
    labels = [c.label() for c in binary]
    assert len(labels) == len(set(labels)) == 144  # distinct, so M counts distinct hypothesis classes
    assert all(c.hidden == () and c.K in (1, 2, 3) and c.step in (0.5, 1.0, 2.0) for c in binary)
    assert {c.loss for c in binary} == {"logistic", "hinge"}
    # every configuration's MCP saturates at the first level: a non-zero weight costs the price lam d / 2
    prices = sorted({round(c.lam * c.step / 2, 12) for c in binary})
    assert prices == [0.004, 0.006, 0.01, 0.015, 0.02, 0.03, 0.04, 0.06]
    assert all(c.a_value * c.lam == pytest.approx(c.step) for c in binary)
    multi = default_configs(10)
    assert len(multi) == 16 and all(c.hidden == () for c in multi)
    assert sorted({round(c.lam * c.step / 2, 12) for c in multi}) == [0.001, 0.002, 0.003, 0.005]
    with pytest.raises(ValueError, match=r"n_classes == 1"):
        default_configs(1)


def test_smallest_bound_rule_on_the_same_configurations(record):
    r = certify_dataset("breast_cancer", seed=3, configs=SMALL_CONFIGS, ste_options=STE_QUICK, max_bound=None)
    assert r["max_bound"] is None and r["selection"].startswith("smallest V4")
    assert r["bound_V4"] == min(row["bound_V4"] for row in r["configs"])
    # the same trained configurations, another train-only choice: the fixture exercises both branches
    def facts(rows):
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    assert facts(r["configs"]) == facts(record["configs"])
    assert r["config"] != record["config"] and r["bound_V4"] < record["bound_V4"] <= FIXTURE_BUDGET
    assert record["train_error"] < r["train_error"]


def test_record_facts_match_the_network_and_the_data(record):
    data = prepare_data("breast_cancer", seed=3)
    assert record["n_train"] == data.cert.n and record["n_test"] == data.test.n
    assert record["n_train"] + record["n_prep"] + record["n_test"] == 569
    codes = np.array(record["codes"])
    cfg = record["config"]
    assert record["p"] == codes.size == 31 and record["Qsize"] == 2 * cfg["K"] + 1
    assert record["nonzeros"] == int(np.count_nonzero(codes))
    # f(x) = w.x + b with w = codes[:30] d, b = codes[30] d; a sample is an error when y f(x) <= 0
    def error(ds):
        f = ds.X @ (codes[:30] * cfg["step"]) + codes[30] * cfg["step"]
        return float(np.mean(ds.y * f <= 0))

    assert record["train_error"] == pytest.approx(error(data.cert), abs=1e-12)
    assert record["test_error"] == pytest.approx(error(data.test), abs=1e-12)
    assert record["qcd"]["local"]
    # the STE baseline is the same architecture and grid, trained without the sparsity search
    assert len(record["ste"]["codes"]) == 31 and record["ste"]["nonzeros"] >= record["nonzeros"]


def test_warm_start_and_baseline():
    from qtheory.certify_data import build_problem, train_baseline, train_config

    data = prepare_data("breast_cancer", seed=3)
    config = SMALL_CONFIGS[0]
    problem = build_problem(data, config)
    baseline = train_baseline(problem, seed=3, ste_options=STE_QUICK)
    # the baseline ignores lam (trained without penalty), so one run serves every lam of a grid
    other = build_problem(data, Config(lam=config.lam / 4, K=config.K, step=config.step))
    assert np.array_equal(train_baseline(other, seed=3, ste_options=STE_QUICK), baseline)
    latent = train_config(problem, config, seed=3, ste_options=STE_QUICK, baseline=baseline)
    rounded = train_config(problem, config, seed=3, ste_options=STE_QUICK, start_penalty="rounded")
    # with a = d / lam the rounded form trains as the unpenalized STE: Q-CD starts from the baseline itself
    assert np.array_equal(rounded.start_codes, baseline) and np.array_equal(rounded.ste_codes, baseline)
    assert np.count_nonzero(latent.start_codes) < np.count_nonzero(baseline)  # the latent form starts sparse
    for fit in (latent, rounded):
        assert fit.qcd["local"] and fit.qcd["F"] <= problem.objective(fit.start_codes, "penalized")
    with pytest.raises(ValueError, match="start_penalty"):
        certify_dataset("breast_cancer", seed=3, configs=SMALL_CONFIGS, start_penalty="dense")


def test_poisoned_test_split_changes_neither_the_model_nor_the_bound(record):
    import sklearn.datasets as skd

    bunch = skd.load_breast_cancer()
    X, y = bunch.data.copy(), bunch.target.copy()
    test_rows = prepare_data(Dataset(X, y), seed=3).rows["test"]
    rng = np.random.default_rng(0)
    X[test_rows] = rng.normal(0.0, 1e6, size=(test_rows.size, X.shape[1]))  # garbage features
    y[test_rows] = 1 - y[test_rows]  # every test label flipped
    poisoned = certify_dataset(Dataset(X, y), seed=3, configs=SMALL_CONFIGS, ste_options=STE_QUICK,
                               max_bound=FIXTURE_BUDGET)
    for key in ("codes", "bound_V4", "bound_V1", "bound_hoeffding", "train_error", "nonzeros", "n_train", "config"):
        assert poisoned[key] == record[key], key
    assert poisoned["ste"]["codes"] == record["ste"]["codes"]
    for clean_row, bad_row in zip(record["configs"], poisoned["configs"]):
        drop = {"test_error", "seconds", "ste"}
        assert {k: v for k, v in bad_row.items() if k not in drop} == {k: v for k, v in clean_row.items() if k not in drop}
    # ... while the final evaluation does see the poison
    assert poisoned["test_error"] != record["test_error"]


def test_an_mlp_configuration_is_certified_the_same_way():
    r = certify_dataset("iris", seed=1, configs=[Config(lam=0.04, hidden=(3,))], ste_options=STE_QUICK)
    assert r["p"] == 4 * 3 + 3 + 3 * 3 + 3 and r["Qsize"] == 3 and r["M"] == 1
    assert r["max_bound"] == MULTICLASS_MAX_BOUND  # the default budget of a three-class problem
    assert r["nonzeros"] == int(np.count_nonzero(r["codes"])) and r["qcd"]["local"]
    _check_record_bounds(r, r["n_train"], r["delta"], 1)


def test_test_labels_unseen_in_training_count_as_errors():
    y, classes = encode_labels(np.array([3, 5, 5, 3]))
    assert classes.tolist() == [3, 5] and y.tolist() == [-1.0, 1.0, 1.0, -1.0]
    other, _ = encode_labels(np.array([3, 9]), classes)
    assert other.tolist() == [-1.0, 0.0]  # 0: no sign of f matches it
    multi, classes = encode_labels(np.array([0, 2, 4]))
    assert multi.tolist() == [0, 1, 2]
    assert encode_labels(np.array([2, 7]), classes)[0].tolist() == [1, -1]


# ---------------------------------------------------------------------------------------------------------
def test_split_is_seeded_disjoint_and_complete():
    a = split_rows(100, seed=1, test_fraction=0.2, prep_size=5)
    b = split_rows(100, seed=1, test_fraction=0.2, prep_size=5)
    c = split_rows(100, seed=2, test_fraction=0.2, prep_size=5)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["test"], c["test"])
    assert [a["test"].size, a["prep"].size, a["cert"].size] == [20, 5, 75]
    assert sorted(np.concatenate(list(a.values())).tolist()) == list(range(100))


@pytest.mark.parametrize("preprocessing", ["standardize", "symlog"])
def test_standardization_uses_the_preparation_rows_only(preprocessing):
    import sklearn.datasets as skd

    data = prepare_data("breast_cancer", seed=0, preprocessing=preprocessing)
    prep = data.train.X[: data.n_prep]
    assert data.n_prep == round(0.05 * data.train.n)
    assert np.allclose(prep.mean(axis=0), 0.0, atol=1e-9) and np.allclose(prep.std(axis=0), 1.0)
    assert not np.allclose(data.cert.X.mean(axis=0), 0.0, atol=1e-3)
    # every split is the same affine map of the (transformed) raw features, fitted on S0
    raw = skd.load_breast_cancer().data
    if preprocessing == "symlog":
        raw = np.sign(raw) * np.log(1.0 + np.abs(raw))  # the symlog map, transcribed here on purpose
    center, scale = raw[data.rows["prep"]].mean(axis=0), raw[data.rows["prep"]].std(axis=0)
    assert np.allclose(data.test.X, (raw[data.rows["test"]] - center) / scale)
    assert np.allclose(data.cert.X, (raw[data.rows["cert"]] - center) / scale)


def test_documented_range_uses_no_rows():
    import sklearn.datasets as skd

    data = prepare_data("digits", seed=0)
    assert data.n_prep == 0 and data.n_classes == 10 and data.n_outputs == 10
    raw = skd.load_digits().data[data.rows["test"]]
    assert np.array_equal(data.test.X, (raw - 8.0) / 8.0)
    with pytest.raises(ValueError, match="preprocessing == 'range' needs a documented feature range"):
        prepare_data("wine", seed=0, preprocessing="range")


# ---------------------------------------------------------------------------------------------------------
def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"dataset == 'mnist', must be one of 'breast_cancer'"):
        certify_dataset("mnist", seed=0)
    with pytest.raises(ValueError, match=r"delta == 1.5, must be in \(0.0, 1.0\)"):
        certify_dataset("iris", seed=0, delta=1.5)
    with pytest.raises(ValueError, match="configs must list at least one configuration"):
        certify_dataset("iris", seed=0, configs=[])
    with pytest.raises(TypeError, match=r"configs\[0\] must be a Config"):
        certify_dataset("iris", seed=0, configs=[{"lam": 0.1}])
    with pytest.raises(ValueError, match=r"test_fraction == 1.2"):
        prepare_data("iris", seed=0, test_fraction=1.2)
    with pytest.raises(ValueError, match=r"config.loss == 'tanh'"):
        Config(lam=0.1, loss="tanh")


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _rows(n, classes, seed=0):
    rng = np.random.default_rng(seed)
    lines = ["a,b,label"]
    for i in range(n):
        lines.append(f"{rng.normal():.4f},{rng.normal():.4f},{classes[i % len(classes)]}")
    return "\n".join(lines) + "\n"


MALFORMED = {
    "ragged row": ("a,b,label\n1,2,0\n3,4\n5,6,1\n", r"line 3: 2 fields, the header has 3"),
    "not a number": ("a,b,label\n1,2,0\n3,x,1\n", r"line 3: 'x' is not a number"),
    "header only": ("a,b,label\n", r"a header row and at least one data row"),
    "empty file": ("", r"a header row and at least one data row"),
    "no feature column": ("label\n0\n1\n", r"at least one feature column and a target column"),
    "one class": (_rows(40, [1]), r"take 1 distinct values, must be in \[2, 100\]"),
    "regression target": (
        "a,label\n" + "".join(f"{i},{i * 0.37:.3f}\n" for i in range(300)),
        r"the class labels \(last column\) must be integers, got 0.37; certify-data needs a classification target",
    ),
    "too few rows": (_rows(9, [0, 1]), r"V1 needs at least 8"),
    "integer regression target": ("a,label\n" + "".join(f"{i},{i}\n" for i in range(300)),
                                  r"take 300 distinct values, must be in \[2, 100\]"),
    "a class seen once": (_rows(40, [0, 1]) + "0.5,0.5,7\n", r"class label 7 has 1 row\(s\), every class needs at least 2"),
    "too few preparation rows": (_rows(40, [0, 1]), r"gives 2 preparation rows, the standardization needs at least 5"),
    "infinite value": ("a,b,label\n1,inf,0\n2,3,1\n", r"NaN or infinite"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_csv_gives_a_clear_error(tmp_path, capsys, case):
    text, message = MALFORMED[case]
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=message):
        certify_dataset(path, seed=0, configs=SMALL_CONFIGS)
    # the command prints one line naming the problem and exits 2
    assert main(["certify-data", "--dataset", path, "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("qtheory certify-data: error:")


def test_cli_missing_file_and_unknown_name(tmp_path, capsys):
    assert main(["certify-data", "--dataset", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["certify-data", "--dataset", "mnist"]) == 2
    assert "dataset == 'mnist', must be one of" in capsys.readouterr().err
    assert main(["certify-data", "--dataset", "iris", "--smallest-bound", "--max-bound", "0.3"]) == 2
    assert "--smallest-bound and --max-bound exclude each other" in capsys.readouterr().err


@pytest.mark.parametrize("rule", [["--max-bound", "0.9"], ["--smallest-bound"]])
def test_cli_json_on_a_csv_file(tmp_path, capsys, rule):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 3))
    y = np.array([0, 2, 5])[np.argmax(X, axis=1)]  # three classes, labelled 0, 2, 5: the largest feature
    lines = ["x1,x2,x3,y"] + [f"{a:.5f},{b:.5f},{c:.5f},{t}" for (a, b, c), t in zip(X, y)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    argv = ["certify-data", "--dataset", path, "--seed", "2", "--delta", "0.1", *rule, "--json", "--quiet"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert REQUIRED <= set(out)
    assert out["dataset"] == path and out["delta"] == 0.1 and out["n_test"] == 30 and out["n_classes"] == 3
    hidden = out["config"]["hidden"]
    assert out["p"] == (3 * 3 + 3 if not hidden else 3 * hidden[0] + hidden[0] + hidden[0] * 3 + 3)
    assert out["M"] == len(default_configs(3))
    _check_record_bounds(out, out["n_train"], out["delta"], out["M"])
    if rule[0] == "--smallest-bound":
        assert out["max_bound"] is None
        assert out["bound_V4"] == min(r["bound_V4"] for r in out["configs"])
        return
    assert out["max_bound"] == 0.9
    assert out["bound_V4"] <= 0.9 and out["train_error"] <= 0.1  # three weights on the diagonal fit these data
    # the budget rule: no configuration within the budget has a smaller training error
    assert all(r["train_error"] >= out["train_error"] for r in out["configs"] if r["bound_V4"] <= 0.9)


def test_text_output_reports_V4_with_V1_beside_it(record):
    from qtheory.commands.certify_data import format_record

    text = format_record(json.loads(json.dumps(record)))
    assert f"certificate V4 {record['bound_V4']:.4f} (V1 {record['bound_V1']:.4f}" in text
    assert f"V4 {record['ste']['bound_V4']:.4f} (V1 {record['ste']['bound_V1']:.4f}" in text
