import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qtheory.cli import main
from qtheory.problem import load_problem, problem_from_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _cfg(**over):
    cfg = {
        "grid": {"K": 1, "step": 0.5},
        "model": {"kind": "linear", "layers": [2, 1]},
        "loss": {"kind": "squared", "B": 4.0},
        "data": {"kind": "teacher", "N": 20, "n": 10, "seed": 0},
    }
    for key, value in over.items():
        cfg[key] = value
    return cfg


@pytest.mark.parametrize("name", ["teacher_tanh.toml", "linear_csv.toml", "iris_hinge.toml"])
def test_examples_load(name):
    pb = load_problem(EXAMPLES / name)
    assert pb.p == pb.network.n_params and pb.n > 0


def test_problem_quantities_by_hand():
    pb = problem_from_config(_cfg(penalty={"a": 2.0, "lam": 0.5}))
    codes = np.array([1, -1])
    beta = pb.values(codes)
    assert beta.tolist() == [0.5, -0.5]
    ln = np.mean(np.minimum((pb.train.X @ beta - pb.train.y) ** 2, 4.0))
    assert pb.empirical_risk(codes) == pytest.approx(ln)
    # MCP at |t| = 0.5 <= a lam = 1: lam t - t^2/(2a) = 0.25 - 0.0625 (hand computed)
    assert pb.penalty_value(codes) == pytest.approx(2 * (0.25 - 0.0625))
    assert pb.objective(codes, "penalized") == pytest.approx(ln + 0.375)
    assert pb.nonzeros(codes) == 2 and pb.nonzeros(np.array([0, 1])) == 1


@pytest.mark.parametrize(
    "cfg, match",
    [
        (_cfg(model={"kind": "linear", "layers": [2, 1], "bais": True}), "unknown key model.bais"),
        (_cfg(extra={"x": 1}), "unknown key problem.extra"),
        (_cfg(loss={"kind": "squared"}), "missing required key loss.B"),
        (_cfg(data={"kind": "teacher", "N": 20}), "missing required key data.n"),
        (_cfg(data={"kind": "web"}), "data.kind == 'web'"),
        (_cfg(model={"kind": "mlp", "layers": [3, 2, 1]}), None),
        (_cfg(model={"kind": "mlp"}), "missing required key model.layers"),
        (_cfg(grid={"levels": [1.0, 0.0]}), "strictly increasing"),
        (_cfg(penalty={"a": 1.0}), "missing required key penalty.lam"),
        (_cfg(penalty={"a": 1.0, "lam": -2.0}), "penalty.lam == -2.0"),
        (_cfg(data={"kind": "teacher", "n": 5, "noise": -1}), "data.noise == -1"),
    ],
)
def test_problem_file_errors_name_the_key(cfg, match):
    if match is None:  # a consistent mlp config loads
        assert problem_from_config(cfg).p == 3 * 2 + 2
        return
    with pytest.raises((ValueError, TypeError), match=match):
        problem_from_config(cfg)


def test_codes_validation():
    pb = problem_from_config(_cfg())
    with pytest.raises(ValueError, match=r"codes must list p = 2 integer codes"):
        pb.empirical_risk(np.array([0, 0, 0]))
    with pytest.raises(ValueError, match=r"codes\[1\] contains 2, not a code of this grid"):
        pb.check_codes([0, 2])


def test_csv_problem_relative_path(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.csv").write_text("a,b\n1,2\n2,4\n3,6\n")
    toml = tmp_path / "p.toml"
    toml.write_text('[grid]\nK = 2\nstep = 1.0\n[model]\nkind = "linear"\n[loss]\nkind = "squared"\nB = 100.0\n'
                    '[data]\nkind = "csv"\npath = "sub/d.csv"\n')
    pb = load_problem(toml)
    assert pb.n == 3 and pb.population is None
    assert pb.empirical_risk([2]) == pytest.approx(0.0)


def test_solve_cli_json(capsys):
    assert main(["solve", str(EXAMPLES / "linear_csv.toml"), "--json", "--objective", "penalized"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"codes", "weights", "objective", "method", "certified"}
    assert out["certified"] is True and all(isinstance(c, int) for c in out["codes"])
    pb = load_problem(EXAMPLES / "linear_csv.toml")
    assert pb.objective(np.array(out["codes"]), "penalized") == pytest.approx(out["objective"], abs=1e-12)


def test_solve_cli_errors(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "none.toml")]) == 2
    assert "problem file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\nK = 1\nstep = 1.0\n[model]\nkind = "linear"\n[loss]\nkind = "squared"\nB = 1.0\n'
                   '[data]\nkind = "teacher"\nn = 3\n')
    assert main(["solve", str(bad)]) == 2
    assert "model.layers" in capsys.readouterr().err


def test_solve_process_start_up_is_light(tmp_path):
    # the command must not import the heavy optional libraries for an enumeration
    code = ("import sys; from qtheory.cli import main; main(['solve', sys.argv[1], '--json']); "
            "print(sorted(m for m in ('torch', 'cvxpy', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "iris_hinge.toml")], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
