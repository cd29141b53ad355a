"""Conventions every command follows: codes lists may start with a negative code; one exit-status rule (0
success, 1 a negative verdict, 2 a user error) with and without --json; --version; progress on stderr (plain
throttled lines when it is not a terminal) and the exact solvers' progress (incumbent, bound, gap)."""

from __future__ import annotations

import io
import json
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

from qtheory.cli import build_parser, main
from qtheory.codes_arg import join_option_values
from qtheory.problem import load_problem
from qtheory.progress import Progress

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LOCAL = str(EXAMPLES / "local_tanh.toml")  # p = 6, codes -4..4
IRIS = str(EXAMPLES / "iris_hinge.toml")  # 2-3-1 ReLU net: enumeration in seconds, the MIP far slower
NEGATIVE = "-4,3,-2,0,-1,4"
FALSE_VARIANT = """
from qtheory.variants import F, Fmin, Variant

VARIANTS = [Variant(name="below the minimum", claim=F <= Fmin - 1, solutions="any")]
"""


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------- negative codes
@pytest.mark.parametrize(
    "argv, expected",
    [
        (["certify", "P", "--codes", "-1,3,-4"], ["certify", "P", "--codes=-1,3,-4"]),
        (["qcd", "P", "--start", "-2, 1, 1", "--nu", "0"], ["qcd", "P", "--start=-2, 1, 1", "--nu", "0"]),
        (["certify", "P", "--codes", "-7"], ["certify", "P", "--codes=-7"]),
        (["certify", "P", "--codes=-1,2"], ["certify", "P", "--codes=-1,2"]),  # already joined
        (["certify", "P", "--codes", "1,-2"], ["certify", "P", "--codes", "1,-2"]),  # argparse reads it already
        (["qcd", "P", "--nu", "-1"], ["qcd", "P", "--nu=-1"]),  # a negative number, still one value
        (["qcd", "P", "--json", "--", "--codes", "-1,2"], ["qcd", "P", "--json", "--", "--codes", "-1,2"]),
        (["certify", "P", "--codes", "-1,x"], ["certify", "P", "--codes", "-1,x"]),  # not a codes list
    ],
)
def test_join_option_values(argv, expected):
    assert join_option_values(argv) == expected


def test_negative_codes_through_certify_and_qcd(capsys):
    problem = load_problem(LOCAL)
    codes = np.array([int(c) for c in NEGATIVE.split(",")])
    code, out, err = _run(capsys, "certify", LOCAL, "--codes", NEGATIVE, "--nu", "0", "--json")
    cert = json.loads(out)
    assert err == "" and cert["F"] == pytest.approx(problem.objective(codes, "penalized"), rel=1e-12)
    assert code == (0 if cert["local"] else 1)
    # the same list with spaces, for --start; Q-CD starts exactly there
    spaced = NEGATIVE.replace(",", ", ")
    code, out, _ = _run(capsys, "qcd", LOCAL, "--nu", "0.001", "--start", spaced, "--max-moves", "1", "--json")
    res = json.loads(out)
    assert res["start"] == "codes" and res["start_codes"] == codes.tolist() and res["moves"] <= 1
    assert res["F0"] == pytest.approx(cert["F"], rel=1e-12)  # Q-CD started at exactly those codes
    # evaluate takes two codes lists
    code, out, _ = _run(capsys, "evaluate", LOCAL, "--codes", NEGATIVE, "--start", "-1,0,0,0,0,1", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["codes"] == codes.tolist() and doc["C"]["start"] == [-1, 0, 0, 0, 0, 1]
    # a bad list that starts with a dash is a user error naming the option, not an argparse crash
    code, out, err = _run(capsys, "certify", LOCAL, "--codes", "-1,2", "--nu", "0")
    assert code == 2 and err.startswith("qtheory certify: error: --codes must list p = 6") and err.count("\n") == 1


# ------------------------------------------------------------------------------------- exit status
@pytest.mark.parametrize("as_json", [False, True])
def test_negative_verdicts_exit_1_in_both_modes(capsys, tmp_path, monkeypatch, as_json):
    monkeypatch.setattr("qtheory.progress.DEFAULT_DELAY", 0.0)  # progress lines even for a quick search
    js = ["--json"] if as_json else []
    # certify: a non-local point (the test below in test_local_qcd shows its violations), a local one
    code, out, _ = _run(capsys, "certify", LOCAL, "--codes", "4,4,4,4,4,4", "--nu", "0", *js)
    assert code == 1 and ('"local": false' in out if as_json else "is NOT a nu-local" in out)
    code, out, _ = _run(capsys, "qcd", LOCAL, "--nu", "0", "--json")
    local = ",".join(map(str, json.loads(out)["codes"]))
    assert code == 0
    assert _run(capsys, "certify", LOCAL, "--codes", local, "--nu", "0", *js)[0] == 0
    # qcd stopped by the move cap before a local solution
    code, out, _ = _run(capsys, "qcd", LOCAL, "--nu", "0", "--start", "4,4,4,4,4,4", "--max-moves", "1", *js)
    assert code == 1 and ('"local": false' in out if as_json else "certified nu-local: NO" in out)
    # check-variant: refuted
    variant = tmp_path / "false_variant.py"
    variant.write_text(FALSE_VARIANT)
    code, out, err = _run(capsys, "check-variant", str(variant), "--budget", "20", "--shrink-seconds", "0", *js)
    assert code == 1 and ('"verdict": "refuted"' in out if as_json else "verdict: refuted" in out)
    # plain progress lines on stderr (it is not a terminal here): a start line and an end line with the verdict
    lines = err.splitlines()
    assert lines[0] == "check-variant below the minimum: started"
    assert lines[-1].startswith("check-variant below the minimum: done, ") and lines[-1].endswith("; refuted")


@pytest.mark.parametrize("as_json", [False, True])
def test_uncertified_solve_exits_1_and_warns_that_enumeration_is_quick(capsys, as_json):
    js = ["--json"] if as_json else []
    code, out, err = _run(capsys, "solve", IRIS, "--method", "mip", "--time-limit", "1", "--quiet", *js)
    assert code == 1
    if as_json:
        sol = json.loads(out)  # stdout is the JSON object alone
        assert sol["certified"] is False and sol["status"].startswith("time_limit")
    else:
        assert "NOT certified optimal" in out
    warning = [ln for ln in err.splitlines() if "warning" in ln]
    assert len(warning) == 1 and warning[0].startswith("qtheory solve: warning: enumeration would certify")
    assert "--method mip may take much longer" in warning[0] and "code vectors" in warning[0]
    # --quiet: no solver log
    assert "Objective Bounds" not in err


def test_no_warning_for_auto_or_when_enumeration_is_slow(monkeypatch):
    from qtheory.solve import dispatch

    problem = load_problem(IRIS)
    assert dispatch.enumeration_is_quick(problem, "auto") is None
    assert dispatch.enumeration_is_quick(problem, "enumerate") is None
    assert "code vectors" in dispatch.enumeration_is_quick(problem, "mip")
    monkeypatch.setattr(dispatch, "AUTO_ENUMERATION_SECONDS", 1e-6)
    assert dispatch.enumeration_is_quick(problem, "mip") is None


def test_sweep_and_figures_exit_1_on_violations(monkeypatch, capsys, tmp_path):
    """sweep and figures have no --json; their verdict is the violation count of the report's summary."""
    from types import SimpleNamespace

    from qtheory.experiments import pipeline, report, runner, spec

    run = SimpleNamespace(cells=[1], skipped=0, ran=1, seconds=0.0, store=SimpleNamespace(cells_dir=tmp_path),
                          records=lambda: [])
    monkeypatch.setattr(spec, "load_sweep", lambda path: SimpleNamespace(name="s"))
    monkeypatch.setattr(runner, "run_sweep", lambda *a, **k: run)
    for violations, expected in [(0, 0), (2, 1)]:
        monkeypatch.setattr(report, "summarize", lambda records, v=violations: {"total_violations": v})
        assert main(["sweep", "s.toml", "--no-progress"]) == expected
        job = SimpleNamespace(figures=[], report=[tmp_path / "r.md", tmp_path / "r.json"],
                              summary={"total_violations": violations})
        monkeypatch.setattr(pipeline, "main_job", lambda *a, j=job, **k: j)
        assert main(["figures", "--no-progress", "--out", str(tmp_path)]) == expected
        assert f"violations: {violations}" in capsys.readouterr().out


# ------------------------------------------------------------------------------------- version, help
def test_version_and_top_level_help(capsys):
    assert main(["--version"]) == 0 and capsys.readouterr().out.strip() == f"qtheory {version('qtheory')}"
    text = build_parser().format_help()
    assert "``" not in text and "exit status" in text
    for rule in ("0  success", "1  a negative verdict", "2  a user error"):
        assert rule in text


# ------------------------------------------------------------------------------------- progress
class _Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_lines_are_throttled(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("qtheory.progress.time.monotonic", clock)
    stream = io.StringIO()
    bar = Progress("job", 10, unit="cells", interval=5.0, delay=0.0, stream=stream)
    for i in range(10):
        clock.t += 1.0
        bar.update(1, note=f"cell {i}")
    bar.close("all good")
    bar.update(1)  # ignored once closed
    lines = stream.getvalue().splitlines()
    assert lines == [
        "job: started (10 cells)",
        "job: 5/10 cells in 5.0 s; cell 4",
        "job: done, 10/10 cells in 10.0 s; all good",  # no count line for the last unit: the end line follows
    ]


def test_progress_on_a_terminal_is_a_bar_and_can_be_off():
    tty = _Terminal()
    with Progress("job", 3, unit="cells", delay=0.0, stream=tty) as bar:
        bar.update(3, note="x")
    assert "\r" in tty.getvalue() and "3/3" in tty.getvalue() and "started" not in tty.getvalue()
    quiet = io.StringIO()
    with Progress("job", 3, enabled=False, stream=quiet) as bar:
        bar.update(3)
    assert quiet.getvalue() == ""
    failed = io.StringIO()
    with pytest.raises(RuntimeError), Progress("job", stream=failed, interval=0.0, delay=0.0):
        raise RuntimeError("boom")
    assert failed.getvalue().splitlines()[-1].startswith("job: stopped, 0 it in")


def test_progress_of_a_quick_job_shows_nothing_and_a_slow_one_starts_after_the_delay():
    quick = io.StringIO()
    with pytest.raises(ValueError), Progress("job", 5, stream=quick, delay=0.5):  # bad input rejected at once
        raise ValueError("bad")
    with Progress("job", 5, stream=quick, delay=0.5) as bar:
        bar.update(5)
    assert quick.getvalue() == ""
    slow = io.StringIO()
    with Progress("job", 5, stream=slow, delay=0.05, interval=0.0) as bar:
        bar.update(1)  # before the start line: not shown
        time.sleep(0.5)
        bar.update(1)
    lines = slow.getvalue().splitlines()
    assert lines[0] == "job: started (5 it)" and lines[1].startswith("job: 2/5 it in ")
    assert lines[-1].startswith("job: done, 2/5 it in ") and len(lines) == 3


def test_qcd_ste_start_shows_its_training(capsys, monkeypatch):
    monkeypatch.setattr("qtheory.progress.DEFAULT_DELAY", 0.0)
    code, out, err = _run(capsys, "qcd", LOCAL, "--nu", "0.001", "--start", "ste", "--json")
    assert code == 0 and json.loads(out)["start"] == "ste"
    lines = err.splitlines()
    assert lines[0] == "qcd ste start: started"
    assert any(ln.startswith("qcd ste start: done, 300 training epochs in ") for ln in lines)
    assert main(["qcd", LOCAL, "--nu", "0.001", "--progress", "--no-progress", "--json"]) == 0
    assert capsys.readouterr().err == ""


TINY_SWEEP = """
name = "tiny"
delta = 0.1
[problem.grid]
K = 2
step = 0.5
[problem.model]
kind = "linear"
layers = [2, 1]
[problem.loss]
kind = "squared"
B = 9.0
[problem.data]
kind = "teacher"
N = 40
n = 20
noise = 0.3
[penalty]
a_over_U = 0.9
alam_over_d = 1.5
nu_fraction = 0.5
[axes]
"problem.data.seed" = [0, 1]
[[solvers]]
kind = "global"
"""


def test_sweep_shows_start_and_end_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("qtheory.progress.DEFAULT_DELAY", 0.0)
    sweep = tmp_path / "tiny.toml"
    sweep.write_text(TINY_SWEEP)
    code, out, err = _run(capsys, "sweep", str(sweep), "--out", str(tmp_path / "results"))
    assert code == 0 and "violations: 0" in out
    lines = err.splitlines()
    assert lines[0] == "sweep tiny: started (2 cells)" and lines[-1].startswith("sweep tiny: done, 2/2 cells in ")
    code, out, err = _run(capsys, "sweep", str(sweep), "--out", str(tmp_path / "results"))
    assert code == 0 and "2 already done" in out and err == ""  # nothing left to run: no progress


# ------------------------------------------------------------------------------------- solver progress
def test_bnb_reports_incumbent_and_a_valid_bound(monkeypatch, capsys):
    from qtheory.grid import Grid
    from qtheory.solve import bnb
    from qtheory.solve.solverlog import solver_log

    monkeypatch.setattr("qtheory.progress.DEFAULT_INTERVAL", 0.0)
    monkeypatch.setattr("qtheory.progress.DEFAULT_DELAY", 0.0)
    monkeypatch.setattr(bnb._Report, "EVERY", 0.0)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 10))
    y = X @ rng.integers(-1, 2, size=10) + rng.normal(size=40)
    grid = Grid.ternary(1.0)
    quiet = bnb.solve_linear_bnb(X, y, grid)
    assert capsys.readouterr().err == ""  # off by default
    with solver_log():
        sol = bnb.solve_linear_bnb(X, y, grid)
    lines = capsys.readouterr().err.splitlines()
    assert sol.certified and sol.objective == quiet.objective and len(lines) >= 3
    assert lines[0] == "branch-and-bound: started" and "search complete" in lines[-1]
    total = sol.objective  # the weighted sum of squares, weights 1/n
    for line in lines[1:]:
        inc = float(line.split("incumbent ")[1].split(",")[0])
        low = float(line.split("bound ")[1].split(",")[0])
        assert low <= total * (1 + 1e-9) + 1e-9 and inc >= total * (1 - 1e-9) - 1e-9 and "gap" in line
    assert float(lines[-1].split("incumbent ")[1].split(",")[0]) == pytest.approx(total, rel=1e-9)


@pytest.mark.parametrize("loss, solver, header", [("hinge", "HIGHS", "BestBound"), ("squared", "SCIP", "dualbound")])
def test_mip_solver_log_goes_to_stderr(request, loss, solver, header):
    """HiGHS writes on file descriptor 1, SCIP (under cvxpy) through Python's sys.stdout: both must reach
    stderr, so that ``solve --json`` keeps stdout to the JSON object (also when sys.stdout is replaced)."""
    from qtheory.grid import Grid
    from qtheory.solve.mip import solve_linear_mip
    from qtheory.solve.solverlog import solver_log

    capfd = request.getfixturevalue("capfd" if solver == "HIGHS" else "capsys")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = np.sign(X[:, 0] + 0.1) if loss == "hinge" else X[:, 0] + 0.1 * rng.normal(size=20)
    solve_linear_mip(X, y, Grid.ternary(1.0), loss=loss)
    out, err = capfd.readouterr()
    assert out == "" and header not in err
    with solver_log():
        sol = solve_linear_mip(X, y, Grid.ternary(1.0), loss=loss)
    out, err = capfd.readouterr()
    assert sol.certified and sol.info["solver"] == solver and out == "" and header in err and "gap" in err.lower()
