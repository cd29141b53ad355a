"""Bad input never crashes, hangs or passes silently.

Every case runs a ``qtheory`` command (in-process through ``qtheory.cli.main`` where it can, in a subprocess
where it needs one: ``sys.exit`` in a user file, a closed pipe, a Dask address) and asserts: exit status 2,
exactly one line on stderr of the form ``qtheory CMD: error: ...`` naming the offending key or argument, no
traceback, nothing left in the output directory, and an answer within ``LIMIT_SECONDS``.

The corpus: a fixed list of hostile inputs (``FIXED``), and hypothesis strategies over the problem-file schema
(one key of a valid problem file replaced by a value outside its accepted range, an unknown key added, a table
replaced by a scalar) and over the command-line arguments (a bad number for one option of each command).
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qtheory.cli import main
from qtheory.strategies import to_toml

LIMIT_SECONDS = 10.0
ROOT = Path(__file__).resolve().parents[1]

# a valid problem file (3^6 = 729 code vectors: solved in well under a second) that every case spoils once
BASE = {
    "name": "base",
    "grid": {"K": 1, "step": 0.5},
    "model": {"kind": "mlp", "layers": [2, 2, 1], "activation": "tanh", "bias": False},
    "loss": {"kind": "squared", "B": 4.0},
    "data": {"kind": "teacher", "N": 20, "n": 10, "seed": 0, "noise": 0.1, "density": 1.0, "teacher_seed": 0},
    "penalty": {"a": 2.0, "lam": 0.5},
}
CSV_OK = "x1,x2,y\n" + "".join(f"{i % 3 - 1},{(i * 7) % 5 - 2},{1 if i % 2 else -1}\n" for i in range(24))
CSV_PROBLEM = {
    "grid": {"K": 1, "step": 0.5},
    "model": {"kind": "linear"},
    "loss": {"kind": "hinge", "B": 2.0},
    "data": {"kind": "csv", "path": "data.csv"},
}
VARIANT_OK = "from qtheory.variants import Variant, dev\nVARIANTS = [Variant(name='v', claim=dev <= 1)]\n"


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout(f"no answer within {LIMIT_SECONDS} s")


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def expect_user_error(argv: list[str], key: str, capsys, out_dir: Path | None = None) -> str:
    """Run ``qtheory ARGV`` in-process and check the bad-input contract; return the error line."""
    capsys.readouterr()
    before = listing(out_dir) if out_dir is not None else set()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_SECONDS)
    t0 = time.perf_counter()
    try:
        rc = main(argv)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    seconds = time.perf_counter() - t0
    err = capsys.readouterr().err
    return check_contract(argv[0], rc, err, key, seconds, before, out_dir)


def check_contract(command: str, rc: int, err: str, key: str, seconds: float, before: set[str],
                   out_dir: Path | None) -> str:
    lines = err.strip().splitlines()
    assert rc == 2, f"exit status {rc}, stderr: {err!r}"
    assert len(lines) == 1, f"stderr must be one line, got {len(lines)}: {err!r}"
    line = lines[0]
    assert line.startswith(f"qtheory {command}: error: "), line
    assert key in line, f"the message does not name {key!r}: {line}"
    assert "Traceback" not in err
    assert seconds < LIMIT_SECONDS
    if out_dir is not None:
        assert listing(out_dir) == before, "a file was left in the output directory"
    return line


def expect_user_error_subprocess(argv: list[str], key: str, cwd: Path, stdin: str | None = None) -> str:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "qtheory", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=LIMIT_SECONDS + 20)
    seconds = time.perf_counter() - t0 - _interpreter_start()
    return check_contract(argv[0], proc.returncode, proc.stderr, key, seconds, set(), None)


_START: list[float] = []


def _interpreter_start() -> float:
    """Seconds a bare ``python -m qtheory --help`` takes here (start-up is not the command's answer time)."""
    if not _START:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qtheory", "--help"], capture_output=True, check=True)
        _START.append(time.perf_counter() - t0)
    return _START[0]


def with_key(config: dict, path: tuple[str, ...], value) -> dict:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in config.items()}
    if len(path) == 1:
        out[path[0]] = value
    else:
        out[path[0]][path[1]] = value
    return out


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


# =====================================================================================================
# the fixed corpus: every hostile input found by hand, by the class of failure it once caused
@dataclass(frozen=True)
class Case:
    cls: str  # what it did before: traceback, hang, silent (accepted), message (Python's words)
    argv: tuple[str, ...]  # {dir} is the case's folder
    key: str  # what the one-line message must name
    files: dict = field(default_factory=dict)  # name -> text, bytes or a problem dict
    out: str | None = None  # an output folder (relative to {dir}) that must stay as it was


def P(**changes) -> dict:
    """BASE with ``"table.key": value`` changes (``None`` removes the key)."""
    cfg = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for dotted, value in changes.items():
        parts = dotted.split(".")
        table = cfg if len(parts) == 1 else cfg[parts[0]]
        if value is None:
            table.pop(parts[-1], None)
        else:
            table[parts[-1]] = value
    return cfg


def solve(problem: dict, *extra: str, **files) -> dict:
    return {"argv": ("solve", "{dir}/p.toml", *extra), "files": {"p.toml": problem, **files}}


CLAIM_FILE = "import sympy as sp\nfrom qtheory.variants import Variant\nVARIANTS = [Variant(name='v', claim={})]\n"

FIXED = [
    # ---- tracebacks
    Case("traceback", key="data.N", **solve(P(**{"data.N": 10**12}))),
    Case("traceback", key="data.n", **solve(P(**{"data.n": 10**12}))),
    Case("traceback", key="data.csv", **solve(CSV_PROBLEM, **{"data.csv": "x1,x2,y\n   \n \t\n"})),
    Case("traceback", argv=("certify", "{dir}/p.toml", "--codes", "99999999999999999999", "--nu", "0"),
         key="--codes", files={"p.toml": BASE}),
    Case("traceback", argv=("qcd", "{dir}/p.toml", "--nu", "0", "--start", "99999999999999999999"),
         key="--start", files={"p.toml": BASE}),
    Case("traceback", argv=("sweep", "{dir}/s.toml", "--out", "{dir}/taken"), key="--out",
         files={"s.toml": "name = 'x'\n", "taken": "a regular file\n"}),
    Case("traceback", argv=("check-variant", "{dir}/v.py", "--save", "{dir}/taken"), key="--save",
         files={"v.py": VARIANT_OK, "taken": "a regular file\n"}),
    Case("traceback", argv=("check-variant", "{dir}/v.py"), key="v.py:2: SyntaxError",
         files={"v.py": "VARIANTS = []\nVARIANTS = [\n"}),
    Case("traceback", argv=("check-variant", "{dir}/v.py"), key="v.py:1: ModuleNotFoundError",
         files={"v.py": "import no_such_module_here\n"}),
    Case("traceback", argv=("check-variant", "{dir}/v.py"), key="v.py:2: RuntimeError: planted",
         files={"v.py": "x = 1\nraise RuntimeError('planted')\n"}),
    Case("traceback", argv=("check-variant", "{dir}/v.py"), key="v.py:3: ZeroDivisionError",
         files={"v.py": "x = 1\n\ny = x / 0\n"}),
    Case("traceback", argv=("check-variant", "{dir}/v.py"), key="v.py:1: NameError: name 'undefined_name'",
         files={"v.py": "VARIANTS = [undefined_name]\n"}),
    Case("traceback", argv=("check-variant", "{dir}/v.py"), key="v.py:2: SystemExit",
         files={"v.py": "import sys\nsys.exit(3)\n"}),
    # ---- hangs
    Case("hang", key="grid.K", **solve(P(**{"grid.K": 10**9}))),
    Case("hang", key="model.layers", **solve(P(**{"model.layers": [2, 10**9, 1]}))),
    Case("hang", key="class label", **solve(CSV_PROBLEM, **{"data.csv": CSV_OK + "1,1,1000000\n"})),
    Case("hang", argv=("certify-data", "--dataset", "{dir}/d.csv", "--quiet"), key="must be integers",
         files={"d.csv": CSV_OK.replace(",1\n", ",0.5\n")}),
    Case("hang", argv=("certify-data", "--dataset", "{dir}/d.csv", "--quiet"), key="class label -7",
         files={"d.csv": CSV_OK + "0,0,-7\n"}),
    Case("hang", key="--max-seconds", **solve(P(), "--method", "enumerate", "--max-seconds", "nan")),
    Case("hang", key="--max-seconds", **solve(P(), "--method", "enumerate", "--max-seconds", "inf")),
    Case("hang", key="--max-seconds", **solve(P(), "--max-seconds", "0")),
    Case("hang", key="--max-seconds", **solve(P(), "--max-seconds", "-1")),
    # ---- silent accepts
    Case("silent", key="name", **solve(P(name={"a": 1}))),
    Case("silent", key="grid.levels[0]", **solve(P(**{"grid.K": None, "grid.step": None, "grid.levels": [True, False]}))),
    Case("silent", key="grid.step", **solve(P(**{"grid.K": None, "grid.kind": "binary"}))),
    Case("silent", key="grid.K", **solve(P(**{"grid.step": None, "grid.kind": "ternary", "grid.K": 2}))),
    Case("silent", key="grid.scale", **solve(P(**{"grid.K": None, "grid.kind": "ternary", "grid.scale": 2.0}))),
    Case("silent", key="grid.step", **solve(P(**{"grid.K": None, "grid.levels": [-1.0, 0.0, 1.0]}))),
    Case("silent", key="grid.scale", **solve(P(**{"grid.K": None, "grid.step": None, "grid.bits": 2, "grid.scale": 1.0}))),
    Case("silent", key="data.teacher_codes[0]", **solve(P(**{"data.teacher_codes": [1.7, 0, 0, 0, 0, 0]}))),
    Case("silent", key="data.teacher_codes[0]", **solve(P(**{"data.teacher_codes": [True, 0, 0, 0, 0, 0]}))),
    Case("silent", key="data.as_population", **solve({**CSV_PROBLEM, "data": {"kind": "sklearn", "dataset": "iris",
                                                                              "as_population": 1, "n": 20}})),
    Case("silent", key="data.csv, line 3", **solve(CSV_PROBLEM, **{"data.csv": "x1,x2,y\n0,0,1\n1e300,0,1\n"})),
    Case("silent", argv=("certify", "{dir}/p.toml", "--codes", "1,,0,0,0,0", "--nu", "0"), key="--codes",
         files={"p.toml": BASE}),
    *[Case("silent", argv=("check-variant", "{dir}/v.py"), key="claim", files={"v.py": CLAIM_FILE.format(claim)})
      for claim in ("True", "'dev <= 1'", "sp.true", "sp.false", "sp.Le(1, 2, evaluate=False)")],
    # ---- messages in Python's words instead of the key
    Case("message", key="data", **solve(P(data=3))),
    Case("message", key="grid.levels[0]", **solve(P(**{"grid.K": None, "grid.step": None, "grid.levels": ["a", "b"]}))),
    Case("message", key="data.teacher_seed", **solve(P(**{"data.teacher_seed": -1}))),
    Case("message", key="p.toml: not UTF-8", **solve(b"name = '\xff\xfe'\n")),
    Case("message", key="data.csv: not UTF-8", **solve(CSV_PROBLEM, **{"data.csv": b"x,y\n\xff,1\n"})),
    Case("message", key="data.as_population", **solve({**CSV_PROBLEM, "data": {"kind": "sklearn", "dataset": "iris",
                                                                               "as_population": "yes"}})),
    Case("message", argv=("theory", "L1", "--eval", "n=1" + "0" * 400), key="n is an integer of about 401 digits"),
    Case("message", argv=("certify-data", "--dataset", str(ROOT / "examples" / "linear_regression.csv"), "--quiet"),
         key="class labels"),
]


def _materialize(case: Case, tmp_path: Path) -> list[str]:
    for name, content in case.files.items():
        write(tmp_path, name, to_toml(content) if isinstance(content, dict) else content)
    return [a.replace("{dir}", str(tmp_path)) for a in case.argv]


@pytest.mark.parametrize("case", FIXED, ids=[f"{c.cls}-{i}-{c.key}" for i, c in enumerate(FIXED)])
def test_fixed_bad_input(case, tmp_path, capsys):
    argv = _materialize(case, tmp_path)
    expect_user_error(argv, case.key, capsys, out_dir=tmp_path)


def test_fixed_corpus_covers_every_class():
    counts = {c: sum(case.cls == c for case in FIXED) for c in ("traceback", "hang", "silent", "message")}
    assert all(n >= 8 for n in counts.values()), counts


# =====================================================================================================
# generated: one key of the problem file outside its accepted range
INT_LIMITS = {("grid", "K"): 2**20, ("data", "N"): 5 * 10**7, ("data", "n"): 5 * 10**7}
POSITIVE_INTS = [("grid", "K"), ("data", "N"), ("data", "n")]
NONNEG_INTS = [("data", "seed"), ("data", "teacher_seed")]
POSITIVE_REALS = [("grid", "step"), ("loss", "B"), ("penalty", "a"), ("penalty", "lam")]
CHOICES = {("model", "kind"): ("linear", "mlp"), ("model", "activation"): ("tanh", "relu", "sigmoid"),
           ("loss", "kind"): ("squared", "logistic", "hinge", "zero_one"), ("data", "kind"): ("teacher", "sklearn", "csv")}
TABLES = ["grid", "model", "loss", "data", "penalty"]

words = st.text(alphabet="abxyz _-", max_size=4)
not_a_number = st.one_of(st.booleans(), words, st.lists(st.integers(-3, 3), max_size=2),
                         st.fixed_dictionaries({"a": st.integers(0, 3)}))
huge_int = st.integers(min_value=5 * 10**7 + 1, max_value=10**40)


@st.composite
def bad_entries(draw) -> tuple[tuple[str, ...], object, str]:
    """(key path, a value outside its accepted range, the name the message must contain)."""
    kind = draw(st.sampled_from(["pos_int", "nonneg_int", "real", "choice", "bool", "noise", "density", "layers",
                                 "table"]))
    if kind == "pos_int":
        path = draw(st.sampled_from(POSITIVE_INTS))
        value = draw(st.one_of(st.integers(max_value=0), huge_int.filter(lambda v: v > INT_LIMITS[path]),
                               st.floats(allow_nan=True), not_a_number))
    elif kind == "nonneg_int":
        path = draw(st.sampled_from(NONNEG_INTS))
        value = draw(st.one_of(st.integers(max_value=-1), st.floats(), not_a_number))
    elif kind == "real":
        path = draw(st.sampled_from(POSITIVE_REALS))
        value = draw(st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf), not_a_number))
    elif kind == "choice":
        path = draw(st.sampled_from(sorted(CHOICES)))
        value = draw(st.one_of(words.filter(lambda t: t not in CHOICES[path]), st.integers(), st.booleans()))
    elif kind == "bool":
        path = ("model", "bias")
        value = draw(st.one_of(st.integers(), words, st.floats()))
    elif kind == "noise":
        path = ("data", "noise")
        value = draw(st.one_of(st.floats(max_value=-1e-9), st.just(math.nan), st.just(math.inf), not_a_number))
    elif kind == "density":
        path = ("data", "density")
        value = draw(st.one_of(st.floats(min_value=1.0 + 1e-9), st.floats(max_value=-1e-9), st.just(math.nan), not_a_number))
    elif kind == "layers":
        path = ("model", "layers")
        bad = draw(st.one_of(st.integers(max_value=0), st.integers(min_value=10**7, max_value=10**30), st.floats(),
                             st.booleans(), words))
        at = draw(st.integers(0, 2))
        value = [2, 2, 1]
        value[at] = bad
        value = value if draw(st.booleans()) else draw(st.sampled_from([[], [2], "2,2,1", 3]))
    else:
        path = (draw(st.sampled_from(TABLES)),)
        value = draw(st.one_of(st.integers(), words, st.lists(st.integers(), max_size=2)))
        return path, value, path[0]
    return path, value, ".".join(path)


def _toml_ok(value) -> bool:
    """Whether ``to_toml`` can write the value (it has no nested tables inside tables)."""
    return not isinstance(value, dict) and not (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value))


FIXTURES_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=120, suppress_health_check=FIXTURES_OK)
@given(entry=bad_entries().filter(lambda e: len(e[0]) == 1 or _toml_ok(e[1])))
def test_generated_bad_problem_values(entry, tmp_path_factory, capsys):
    path, value, key = entry
    folder = tmp_path_factory.mktemp("gen")
    problem = write(folder, "p.toml", to_toml(with_key(BASE, path, value)))
    expect_user_error(["solve", str(problem), "--max-seconds", "5"], key, capsys, out_dir=folder)


identifiers = st.from_regex(r"[a-z][a-z_]{0,6}", fullmatch=True)


@settings(max_examples=40, suppress_health_check=FIXTURES_OK)
@given(table=st.sampled_from(["problem"] + TABLES), name=identifiers, value=st.integers(0, 3))
def test_generated_unknown_keys(table, name, value, tmp_path_factory, capsys):
    allowed = {"problem": set(BASE) | {"description"}, "grid": {"K", "step", "bits", "levels", "kind", "scale"},
               "model": {"kind", "layers", "activation", "bias", "layer_grids"}, "loss": {"kind", "B"},
               "penalty": {"a", "lam"},
               "data": {"kind", "n", "seed", "N", "noise", "density", "teacher_seed", "teacher_codes", "dataset",
                        "test_fraction", "classes", "pca", "as_population", "path"}}
    if name in allowed[table]:
        name = name + "_x"
    cfg = with_key(BASE, (name,) if table == "problem" else (table, name), value)
    folder = tmp_path_factory.mktemp("gen")
    problem = write(folder, "p.toml", to_toml(cfg))
    expect_user_error(["solve", str(problem)], name, capsys, out_dir=folder)


# ---- generated: one command-line option outside its accepted range
bad_real_text = st.one_of(st.sampled_from(["nan", "inf", "-inf", "-1", "-1e-300", "x", "", "1e999"]),
                          st.floats(max_value=-1e-12, allow_nan=False, allow_infinity=False).map(repr))
bad_int_text = st.one_of(st.sampled_from(["-1", "1.5", "x", "", "nan"]), st.integers(max_value=-1).map(str))
bad_codes_text = st.one_of(
    st.lists(st.integers(-1, 1), min_size=0, max_size=5).map(lambda v: ",".join(map(str, v))),  # wrong length
    st.lists(st.integers(-1, 1), min_size=6, max_size=6).map(lambda v: ",".join(map(str, v)) + ",,").map(
        lambda t: t.replace(",", ",,", 1)),  # an empty code
    st.integers(min_value=2**20 + 1, max_value=10**40).map(lambda v: f"{v},0,0,0,0,0"),  # out of range
    st.sampled_from(["a,b,c,d,e,f", "1.5,0,0,0,0,0", "0;0;0;0;0;0"]),
)

OPTION_CASES = [
    # (command line before the option, option, strategy of bad texts, accepted zero?)
    (["solve", "{p}"], "--max-seconds", bad_real_text | st.just("0")),
    (["solve", "{p}", "--method", "mip"], "--time-limit", bad_real_text | st.just("0")),
    (["certify", "{p}", "--codes", "0,0,0,0,0,0"], "--nu", bad_real_text),
    (["certify", "{p}", "--nu", "0"], "--codes", bad_codes_text),
    (["certify", "{p}", "--nu", "0", "--codes", "0,0,0,0,0,0", "--smoothness"], "--samples", bad_int_text | st.just("0")),
    (["qcd", "{p}"], "--nu", bad_real_text),
    (["qcd", "{p}", "--nu", "0"], "--start", bad_codes_text),
    (["qcd", "{p}", "--nu", "0"], "--seed", bad_int_text),
    (["qcd", "{p}", "--nu", "0"], "--max-moves", bad_int_text),
    (["check-variant", "{v}"], "--budget", bad_real_text | st.just("0")),
    (["check-variant", "{v}"], "--false-alarm", bad_real_text | st.sampled_from(["0", "1", "2"])),
    (["check-variant", "{v}"], "--seed", bad_int_text),
    (["check-variant", "{v}"], "--max-examples", bad_int_text | st.just("0")),
    (["sweep", "{s}", "--out", "{o}"], "--jobs", bad_int_text | st.just("0")),
    (["certify-data", "--dataset", "iris", "--quiet"], "--delta", bad_real_text | st.sampled_from(["0", "1"])),
    (["certify-data", "--dataset", "iris", "--quiet"], "--seed", bad_int_text),
    (["theory", "L1", "--eval", "k=1", "p=2", "Qsize=3", "delta=0.1", "B=1"], "n", bad_int_text | st.just("0")),
]


@st.composite
def bad_options(draw) -> tuple[list[str], str]:
    prefix, option, texts = draw(st.sampled_from(OPTION_CASES))
    text = draw(texts)
    return prefix, option, text


@settings(max_examples=150, suppress_health_check=FIXTURES_OK)
@given(case=bad_options())
def test_generated_bad_options(case, tmp_path_factory, capsys):
    prefix, option, text = case
    folder = tmp_path_factory.mktemp("opt")
    files = {"{p}": write(folder, "p.toml", to_toml(BASE)), "{v}": write(folder, "v.py", VARIANT_OK),
             "{s}": write(folder, "s.toml", "name = 'x'\n"), "{o}": folder / "out"}
    argv = [str(files.get(a, a)) for a in prefix]
    if option == "n":  # a symbol of ``theory --eval``
        argv.append(f"n={text}")
        key = "n =="
    else:
        argv.append(f"{option}={text}")
        key = option
    expect_user_error(argv, key, capsys, out_dir=folder)


# =====================================================================================================
# cases that need a process of their own
def test_sys_exit_in_a_variant_file_is_a_user_error(tmp_path):
    write(tmp_path, "v.py", "import sys\n\nsys.exit(3)\n")
    line = expect_user_error_subprocess(["check-variant", "v.py"], "v.py:3: SystemExit", tmp_path)
    assert "sys.exit(3)" in line


def test_unreachable_dask_scheduler_fails_fast(tmp_path):
    pytest.importorskip("distributed")
    write(tmp_path, "s.toml", to_toml({"name": "x"}))
    for address in ("not an address", "tcp://127.0.0.1:1"):
        expect_user_error_subprocess(["sweep", "s.toml", "--out", "out", "--dask", address], "--dask", tmp_path)
    assert not (tmp_path / "out").exists()


def test_closed_pipe_ends_quietly(tmp_path):
    problem = write(tmp_path, "p.toml", to_toml(BASE))
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "qtheory", "solve", str(problem)], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == 141


# =====================================================================================================
# resource estimates that hold
def test_large_enumeration_starts_scoring_without_materializing_its_blocks(monkeypatch):
    """3.1e12 code vectors with a generous time limit: the first block is scored at once (the blocks are
    produced one at a time, so working memory stays at the estimate instead of growing with the block list)."""
    from qtheory.problem import problem_from_config
    from qtheory.solve import enumerate as enum

    problem = problem_from_config(P(**{"grid.K": 5, "grid.step": 0.2, "model.layers": [3, 3, 1]}))
    assert problem.n_codes == 11**12

    class FirstBlock(Exception):
        pass

    def first_block(self, *args, **kwargs):
        raise FirstBlock

    monkeypatch.setattr(enum._Scorer, "score", first_block)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_SECONDS)
    try:
        with pytest.raises(FirstBlock):  # not Timeout
            enum.enumerate_exact(problem, max_seconds=1e12)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_block_count_without_producing_the_blocks():
    from qtheory.problem import problem_from_config
    from qtheory.solve import enumerate as enum

    for changes in ({}, {"model.kind": "linear", "model.layers": [3, 1], "grid.K": 4},
                    {"model.layers": [2, 3, 2], "loss.kind": "hinge"}, {"model.layers": [2, 2, 2, 1]}):
        problem = problem_from_config(P(**changes))
        plan = enum._Plan(problem)
        scorers = {"Ln": enum._Scorer(plan, problem.train.X, problem.train.y, np.full(problem.n, 1 / problem.n))}
        assert enum._n_blocks(plan, scorers) == sum(1 for _ in enum._blocks(plan, scorers))


def test_refusing_a_huge_enumeration_is_fast_and_short():
    from qtheory.problem import problem_from_config
    from qtheory.solve.enumerate import EnumerationTooLarge, enumerate_exact

    problem = problem_from_config(P(**{"grid.K": 2, "model.kind": "linear", "model.layers": [200_000, 1],
                                       "data.N": 10, "data.n": 5, "data.density": 0.0}))
    t0 = time.perf_counter()
    with pytest.raises(EnumerationTooLarge) as info:
        enumerate_exact(problem)
    assert time.perf_counter() - t0 < 2.0
    assert len(str(info.value)) < 300 and "5^200000" in str(info.value)
