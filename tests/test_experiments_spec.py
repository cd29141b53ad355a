"""Sweep files: expansion into cells, stable ids, validation messages, penalty rules, the atomic store."""

from __future__ import annotations

import json

import pytest

from qtheory.experiments.penalty import check_rule, resolve
from qtheory.experiments.spec import (
    canonical_json,
    default_sweeps_dir,
    group_cells,
    load_sweep,
    sweep_from_dict,
)
from qtheory.experiments.store import Store, write_atomic


def toy_raw(**extra):
    raw = {
        "name": "toy",
        "problem": {
            "grid": {"K": 2, "step": 0.5},
            "model": {"kind": "mlp", "layers": [1, 2, 1], "activation": "tanh"},
            "loss": {"kind": "squared", "B": 9.0},
            "data": {"kind": "teacher", "N": 50, "noise": 0.1, "teacher_seed": 1},
        },
        "penalty": {"a_over_U": 0.9, "alam_over_d": 1.5, "nu_fraction": 0.5},
        "axes": {"problem.data.n": [20, 40, 80], "problem.data.seed": [0, 1]},
        "solvers": [{"kind": "erm"}, {"kind": "global"}, {"kind": "qcd", "start": "random", "repeats": 3}],
        "quick": {"axes": {"problem.data.n": [20]}, "solvers": [{"kind": "erm"}]},
    }
    raw.update(extra)
    return raw


def test_expansion_is_the_product_of_axes_variants_and_solver_runs():
    sweep = sweep_from_dict(toy_raw(variants=[{"label": "x", "penalty": {"alam_over_d": 1.2}}, {"label": "y"}]))
    cells = sweep.cells()
    assert len(cells) == 3 * 2 * 2 * (1 + 1 + 3)
    assert len({c.id for c in cells}) == len(cells)
    # axis values and variant keys land in the configuration
    n_values = {c.config["problem"]["data"]["n"] for c in cells}
    assert n_values == {20, 40, 80}
    alams = {c.config["penalty"]["alam_over_d"] for c in cells}
    assert alams == {1.2, 1.5}
    assert {c.config["solver"].get("repeat") for c in cells if c.config["solver"]["kind"] == "qcd"} == {0, 1, 2}
    # tasks: one per problem (sample), penalties and solvers inside
    tasks = group_cells(cells)
    assert len(tasks) == 3 * 2 and all(len(t) == 2 * 5 for t in tasks)
    quick = sweep.cells(quick=True)
    assert len(quick) == 1 * 2 * 2 * 1


def test_cell_ids_do_not_depend_on_key_order_and_change_with_the_config():
    a = sweep_from_dict(toy_raw()).cells()
    shuffled = json.loads(json.dumps(toy_raw()), object_pairs_hook=lambda kv: dict(reversed(kv)))
    b = sweep_from_dict(shuffled).cells()
    assert sorted(c.id for c in a) == sorted(c.id for c in b)
    c = sweep_from_dict(toy_raw(delta=0.1)).cells()
    assert not {x.id for x in a} & {x.id for x in c}
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_selection_size_M_counts_the_selected_axes():
    cells = sweep_from_dict(toy_raw(select_over=["problem.data.n", "solvers"])).cells()
    assert {c.config["M"] for c in cells} == {3 * 3}
    assert {c.config["M"] for c in sweep_from_dict(toy_raw()).cells()} == {1}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"colour": 1}, "unknown key 'colour'"),
        ({"axes": {"model.layers": [[1, 1]]}}, "must start with one of"),
        ({"axes": {"problem.data.n": []}}, "non-empty list"),
        ({"solvers": [{"kind": "sgd"}]}, r"solvers\[0\].kind == 'sgd'"),
        ({"solvers": [{"kind": "qcd", "strat": "zero"}]}, r"unknown key solvers\[0\].strat"),
        ({"solvers": [{"kind": "qcd", "repeats": 0}]}, "repeats == 0"),
        ({"delta": 1.5}, "delta"),
        ({"s": 0}, "s == 0"),
        ({"penalty": {"a": 1.0}}, "exactly one of lam, alam, alam_over_d"),
        ({"penalty": {"a": 1.0, "lam": -1.0}}, r"penalty.lam == -1.0, must be > 0"),
        ({"penalty": {"a": 1.0, "lam": 1.0, "nu_fraction": 1.0}}, "nu_fraction"),
        ({"quick": {"axis": {}}}, "unknown key quick.axis"),
        ({"select_over": ["grid"]}, "select_over entry 'grid'"),
        ({"kind": "real"}, "kind == 'real'"),
        ({"name": "a b"}, "name =="),
    ],
)
def test_bad_sweep_files_are_refused_with_a_message_naming_the_key(change, message):
    with pytest.raises(ValueError, match=message):
        sweep_from_dict(toy_raw(**change))


def test_data_sweeps_expand_over_datasets_and_seeds_and_check_lams():
    raw = {"name": "d", "kind": "data", "config": {"K": 1, "step": 0.5}, "axes": {"seed": [0, 1]},
           "variants": [{"label": "bc", "dataset": "breast_cancer", "config": {"lams": [0.01, 0.1]}},
                        {"label": "dg", "dataset": "digits", "config": {"lams": [0.1]}}]}
    cells = sweep_from_dict(raw).cells()
    assert len(cells) == 4 and all(c.kind == "data" for c in cells)
    assert len(group_cells(cells)) == 4
    with pytest.raises(ValueError, match="config.lams"):
        sweep_from_dict({**raw, "variants": [{"dataset": "digits"}]})
    with pytest.raises(ValueError, match="unknown key data.epochs"):
        sweep_from_dict({**raw, "data": {"epochs": 3}})


def test_the_shipped_sweep_files_load_and_expand():
    files = sorted(default_sweeps_dir().glob("*.toml"))
    assert {f.stem for f in files} >= {"excess_vs_n", "local", "complexity_p", "complexity_bits", "realdata"}
    for f in files:
        sweep = load_sweep(f)
        assert sweep.name == f.stem
        assert 0 < len(sweep.cells(quick=True)) <= len(sweep.cells())


def test_load_sweep_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_sweep(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_sweep(bad)


# ------------------------------------------------------------------------------------------- penalty rules
def test_penalty_rules_resolve_from_U_and_d():
    # independent transcription of the rules and of L2's limit (1/a - U) d^2 / 2, on purpose
    r = resolve({"a_over_U": 0.9, "alam_over_d": 2.5, "nu_fraction": 0.5}, U=2.0, d=0.25)
    a = 0.9 / 2.0
    assert r.penalty.a == pytest.approx(a)
    assert r.penalty.a * r.penalty.lam == pytest.approx(2.5 * 0.25)
    assert r.nu_limit == pytest.approx((1 / a - 2.0) * 0.25**2 / 2)
    assert r.nu == pytest.approx(0.5 * r.nu_limit)
    r = resolve({"a": 3.0, "alam": 0.6}, U=None, d=None)
    assert (r.penalty.a, r.nu, r.nu_limit) == (3.0, 0.0, None)
    assert r.penalty.lam == pytest.approx(0.2)
    with pytest.raises(ValueError, match="a_over_U needs U_Q"):
        resolve({"a_over_U": 0.9, "lam": 1.0}, U=None, d=0.5)
    with pytest.raises(ValueError, match="limit"):
        resolve({"a_over_U": 2.0, "lam": 1.0, "nu_fraction": 0.5}, U=1.0, d=0.5)  # a U > 1: no room for nu
    with pytest.raises(ValueError, match="unknown key penalty.b"):
        check_rule({"a": 1.0, "lam": 1.0, "b": 2})


# ------------------------------------------------------------------------------------------- store
def test_atomic_store_writes_complete_files_and_cleans_stray_temporaries(tmp_path):
    store = Store(tmp_path, "s")
    store.prepare({"name": "s"})
    (store.cells_dir / ".tmp-abc.json").write_text('{"id": "half')
    store.prepare({"name": "s"})
    assert not list(store.cells_dir.glob(".tmp-*"))
    store.write("c1", {"id": "c1", "x": 1.5})
    assert store.finished("c1") and not store.finished("c2")
    assert json.loads(store.path("c1").read_text()) == {"id": "c1", "x": 1.5}
    store.path("c2").write_text('{"id": "c2", "x"')  # a torn file (not written by the store) is not finished
    assert not store.finished("c2")
    store.path("c3").write_text('{"id": "other"}')
    assert not store.finished("c3")
    assert [r["id"] for r in store.records(["c1"])] == ["c1"]
    write_atomic(tmp_path / "deep" / "f.json", "{}\n")
    assert (tmp_path / "deep" / "f.json").read_text() == "{}\n"
    assert not list((tmp_path / "deep").glob(".tmp-*"))
