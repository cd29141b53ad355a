"""A toy quantized-training problem: data + grid(s) + network + loss (+ MCP penalty), and its problem file.

All quantities of docs/theory.md section 1 evaluated at integer codes m (beta_j = level of m_j on parameter j's
grid):

* empirical risk   L_n(beta) = (1/n) sum_i l(beta, Z_i)
* population risk  L(beta)   = sum_j w_j l(beta, z_j)   (exact, when the population is a finite support)
* penalty          P(beta)   = sum_j P_lam(beta_j)      (MCP with parameters a, lam)
* objective        F(beta)   = L_n(beta) + P(beta)
* sparsity         ||beta||_0 = number of non-zero codes

Problem files are TOML; see README.md for every key.  Unknown and missing keys are errors naming the key.
"""

from __future__ import annotations

import numbers
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtheory.data import Dataset, Population, load_csv, load_sklearn, teacher_population
from qtheory.grid import Grid, as_grid, params_by_grid
from qtheory.losses import Loss
from qtheory.models import Network
from qtheory.validation import (
    MAX_CLASSES,
    MAX_DATA_ENTRIES,
    MAX_PARAMS,
    check_bool,
    check_choice,
    check_positive_int,
    check_positive_real,
    check_scalar,
    check_size,
    check_string,
    check_table,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

OBJECTIVES = ("empirical", "penalized", "population")


@dataclass(frozen=True)
class Penalty:
    """MCP penalty P(beta) = sum_j P_lam(beta_j) with a > 0, lam > 0 (formula in ``qtheory.theory``)."""

    a: float
    lam: float

    def __post_init__(self) -> None:
        check_positive_real(self.a, "penalty.a")
        check_positive_real(self.lam, "penalty.lam")

    def elementwise(self, values: np.ndarray) -> np.ndarray:
        """P_lam(t) for every entry t of ``values``."""
        from qtheory.theory import mcp_penalty

        return np.asarray(mcp_penalty(np.asarray(values, dtype=np.float64), self.a, self.lam), dtype=np.float64)


@dataclass
class Problem:
    """A quantized training problem over Q^p; codes are authoritative, values derived."""

    network: Network
    layer_grids: list[Grid]
    loss: Loss
    train: Dataset
    population: Population | None = None
    test: Dataset | None = None
    penalty: Penalty | None = None
    name: str = "problem"
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.layer_grids) != len(self.network.layout):
            raise ValueError(
                f"layer_grids must give one grid per layer ({len(self.network.layout)}), got {len(self.layer_grids)}"
            )
        if self.train.d != self.network.n_inputs:
            raise ValueError(
                f"model.layers[0] == {self.network.n_inputs} but the data have {self.train.d} features"
            )
        self.train = Dataset(self.train.X, self.loss.check_targets(self.train.y, self.network.n_outputs, "train y"))
        if self.population is not None:
            pop = self.population
            if pop.X.shape[1] != self.network.n_inputs:
                raise ValueError(f"the population has {pop.X.shape[1]} features, the model expects {self.network.n_inputs}")
            y = self.loss.check_targets(pop.y, self.network.n_outputs, "population y")
            self.population = Population(pop.X, y, pop.weights)
        if self.test is not None:
            self.test = Dataset(self.test.X, self.loss.check_targets(self.test.y, self.network.n_outputs, "test y"))
        layer = self.network.layer_of_param()
        self.param_grids: list[Grid] = [self.layer_grids[i] for i in layer]
        self._value_tables = [g.levels for g in self.param_grids]
        self._params_by_grid = params_by_grid(self.param_grids)

    # ------------------------------------------------------------------ sizes
    @property
    def p(self) -> int:
        return self.network.n_params

    @property
    def n(self) -> int:
        return self.train.n

    @property
    def radices(self) -> np.ndarray:
        """|Q_j| for every parameter j (the enumeration's mixed radix)."""
        return np.array([g.size for g in self.param_grids], dtype=np.int64)

    @property
    def Qsize(self) -> int:
        """|Q| used by the bounds: the largest per-parameter grid (exact when all layers share one grid)."""
        return int(self.radices.max())

    @property
    def n_codes(self) -> int:
        """|Q_1| x ... x |Q_p|, the number of code vectors (a Python int: it can be huge)."""
        total = 1
        for r in self.radices.tolist():
            total *= int(r)
        return total

    # ------------------------------------------------------------------ codes and values
    def check_codes(self, codes: Any, name: str = "codes") -> np.ndarray:
        """Validate a code vector (length p, each code on its parameter's grid); return it as int64."""
        arr = np.asarray(codes)
        if arr.ndim != 1 or arr.shape[0] != self.p:
            raise ValueError(f"{name} must list p = {self.p} integer codes, got shape {arr.shape}")
        for grid, cols in self._params_by_grid:
            sub = arr[cols]
            try:
                grid.index_of(sub, name)
            except ValueError:
                bad = next(j for j in cols if not _on_grid(grid, arr[j]))
                grid.index_of(arr[bad : bad + 1], f"{name}[{bad}]")
        return arr.astype(np.int64)

    def values(self, codes: Any) -> np.ndarray:
        """beta for a code vector (p,) or a batch of code vectors (m, p)."""
        arr = np.asarray(codes)
        if arr.ndim == 1:
            return self.values(self.check_codes(arr)[None, :])[0]
        if arr.ndim != 2 or arr.shape[1] != self.p:
            raise ValueError(f"codes must list p = {self.p} integer codes per row, got shape {arr.shape}")
        out = np.empty(arr.shape, dtype=np.float64)
        for grid, cols in self._params_by_grid:  # one vectorized lookup per distinct grid
            out[:, cols] = grid.values(arr[:, cols], "codes")
        return out

    def values_from_indices(self, index: np.ndarray) -> np.ndarray:
        """beta for level indices (..., p) (0..|Q_j|-1 per parameter)."""
        index = np.asarray(index)
        return np.stack([self._value_tables[j][index[..., j]] for j in range(self.p)], axis=-1)

    def codes_from_indices(self, index: np.ndarray) -> np.ndarray:
        index = np.asarray(index)
        return np.stack([self.param_grids[j].codes[index[..., j]] for j in range(self.p)], axis=-1)

    def indices_from_codes(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        return np.stack([self.param_grids[j].index_of(codes[..., j]) for j in range(self.p)], axis=-1)

    # ------------------------------------------------------------------ quantities
    def _risk_batch(self, codes: np.ndarray, data: Dataset, weights: np.ndarray | None) -> np.ndarray:
        betas = self.values(codes)[None, :] if np.ndim(codes) == 1 else self.values(codes)
        return self.loss.risk(self.network.forward_batch(betas, data.X), data.y, weights)

    def empirical_risk(self, codes: Any) -> float | np.ndarray:
        """L_n at one code vector (float) or a batch (m, p) (array)."""
        arr = np.asarray(codes)
        out = self._risk_batch(arr, self.train, None)
        return float(out[0]) if arr.ndim == 1 else out

    def population_risk(self, codes: Any) -> float | np.ndarray:
        """L (exact) at one code vector or a batch; requires a finite population."""
        if self.population is None:
            raise ValueError(f"problem {self.name!r} has no finite population, so L is not available exactly")
        arr = np.asarray(codes)
        out = self._risk_batch(arr, self.population, self.population.weights)
        return float(out[0]) if arr.ndim == 1 else out

    def test_risk(self, codes: Any) -> float:
        if self.test is None:
            raise ValueError(f"problem {self.name!r} has no test split")
        return float(self._risk_batch(np.asarray(codes), self.test, None)[0])

    def penalty_value(self, codes: Any) -> float | np.ndarray:
        """P(beta) = sum_j P_lam(beta_j); requires a penalty."""
        if self.penalty is None:
            raise ValueError(f"problem {self.name!r} has no [penalty] (a, lam), so F is not defined")
        arr = np.asarray(codes)
        vals = self.values(arr)
        out = self.penalty.elementwise(vals).sum(axis=-1)
        return float(out) if arr.ndim == 1 else out

    def objective(self, codes: Any, which: str = "empirical") -> float | np.ndarray:
        """``empirical`` L_n, ``penalized`` F = L_n + P, or ``population`` L."""
        check_choice(which, "objective", OBJECTIVES)
        if which == "empirical":
            return self.empirical_risk(codes)
        if which == "population":
            return self.population_risk(codes)
        return self.empirical_risk(codes) + self.penalty_value(codes)

    def nonzeros(self, codes: Any) -> int | np.ndarray:
        """||beta||_0, counted on integer codes (exact)."""
        arr = np.asarray(codes)
        return (arr != 0).sum(axis=-1)

    def penalty_tables(self) -> list[np.ndarray]:
        """P_lam(level) for every level of every parameter's grid (enumeration lookup tables)."""
        if self.penalty is None:
            raise ValueError(f"problem {self.name!r} has no [penalty]")
        return [self.penalty.elementwise(g.levels) for g in self.param_grids]

    def describe(self) -> str:
        grids = {g.describe() for g in self.layer_grids}
        pen = f", MCP a={self.penalty.a:g} lam={self.penalty.lam:g}" if self.penalty else ""
        pop = f", population N={self.population.N}" if self.population is not None else ""
        return (
            f"{self.name}: {self.network.describe()}, {'; '.join(sorted(grids))}, {self.loss.kind} loss B={self.loss.B:g}, "
            f"n={self.n}{pop}{pen}"
        )


def _on_grid(grid: Grid, code: Any) -> bool:
    try:
        grid.index_of(np.asarray([code]))
    except (ValueError, TypeError):
        return False
    return True


# ====================================================================== problem files
_TOP_KEYS = {"name", "description", "grid", "model", "loss", "data", "penalty"}
_MODEL_KEYS = {"kind", "layers", "activation", "bias", "layer_grids"}
_LOSS_KEYS = {"kind", "B"}
_PENALTY_KEYS = {"a", "lam"}
_DATA_KEYS = {
    "teacher": {"kind", "n", "seed", "N", "noise", "density", "teacher_seed", "teacher_codes"},
    "sklearn": {"kind", "n", "seed", "dataset", "test_fraction", "classes", "pca", "as_population"},
    "csv": {"kind", "n", "seed", "path"},
    "rademacher": {"kind", "n", "seed", "p", "teacher_codes", "teacher_nonzeros", "teacher_seed", "sigma", "noise"},
}


def read_toml(path: str | Path, what: str) -> dict:
    """Parse a TOML file; a missing file or invalid TOML is an error naming ``what`` (e.g. "problem file")."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {str(path)!r}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}); a {what} must be UTF-8 TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None


def load_problem(path: str | Path) -> Problem:
    """Read a TOML problem file (paths inside it are relative to the file)."""
    path = Path(path)
    cfg = read_toml(path, "problem file")
    return problem_from_config(cfg, base_dir=path.parent, default_name=path.stem)


def _check_keys(table: dict, allowed: set[str], where: str) -> None:
    check_table(table, where)
    for key in table:
        if key not in allowed:
            raise ValueError(f"unknown key {where}.{key}; accepted keys: {', '.join(sorted(allowed))}")


def _require(table: dict, key: str, where: str) -> Any:
    if key not in table:
        raise ValueError(f"missing required key {where}.{key}")
    return table[key]


def problem_from_config(cfg: dict, base_dir: str | Path = ".", default_name: str = "problem") -> Problem:
    """Build a :class:`Problem` from a parsed problem file (a dict)."""
    base_dir = Path(base_dir)
    _check_keys(cfg, _TOP_KEYS, "problem")
    for key in ("grid", "model", "loss", "data"):
        check_table(_require(cfg, key, "problem"), key)
    for key in ("name", "description"):
        if key in cfg:
            check_string(cfg[key], key)
    model_cfg, loss_cfg, data_cfg = cfg["model"], cfg["loss"], cfg["data"]
    _check_keys(model_cfg, _MODEL_KEYS, "model")
    _check_keys(loss_cfg, _LOSS_KEYS, "loss")
    _check_keys(data_cfg, set().union(*_DATA_KEYS.values()), "data")

    loss_kind = _require(loss_cfg, "kind", "loss")
    check_choice(loss_kind, "loss.kind", ("squared", "logistic", "hinge", "zero_one"))
    if loss_kind == "zero_one":
        loss = Loss("zero_one", check_scalar(loss_cfg.get("B", 1.0), "loss.B", (int, float), min_val=1, max_val=1))
    else:
        loss = Loss(loss_kind, _require(loss_cfg, "B", "loss"))

    penalty = None
    if "penalty" in cfg:
        _check_keys(cfg["penalty"], _PENALTY_KEYS, "penalty")
        penalty = Penalty(_require(cfg["penalty"], "a", "penalty"), _require(cfg["penalty"], "lam", "penalty"))

    # ---- data (before the network: a linear model's input width can come from the data)
    data_kind = _require(data_cfg, "kind", "data")
    check_choice(data_kind, "data.kind", tuple(_DATA_KEYS))
    _check_keys(data_cfg, _DATA_KEYS[data_kind], "data")
    seed = data_cfg.get("seed", 0)
    check_positive_int(seed, "data.seed", min_val=0)
    info: dict[str, Any] = {"data_kind": data_kind}
    if data_kind == "rademacher":  # the analytic population of docs/theory.md section 5
        from qtheory.populations.sign_problem import rademacher_problem

        return rademacher_problem(cfg, loss, penalty, str(cfg.get("name", default_name)))

    kind = _require(model_cfg, "kind", "model")
    check_choice(kind, "model.kind", ("linear", "mlp"))
    layers = model_cfg.get("layers")
    if layers is None and kind == "mlp":
        raise ValueError("missing required key model.layers (mlp: [inputs, hidden..., outputs])")
    if layers is not None:
        _check_layers(layers, model_cfg)

    population = test = None
    if data_kind == "teacher":
        if layers is None:
            raise ValueError("missing required key model.layers (a teacher population needs the input width)")
        network = _network(kind, layers, model_cfg)
        grids = _layer_grids(cfg["grid"], model_cfg, network)
        problem_grids = [grids[i] for i in network.layer_of_param()]
        teacher_seed = check_positive_int(data_cfg.get("teacher_seed", seed), "data.teacher_seed", min_val=0)
        N = _check_rows(data_cfg.get("N", 200), "data.N", network.n_inputs + network.n_outputs)
        _check_rows(_require(data_cfg, "n", "data"), "data.n", network.n_inputs + network.n_outputs)
        teacher_codes = data_cfg.get("teacher_codes")
        if teacher_codes is not None:
            teacher_codes = _check_int_list(teacher_codes, "data.teacher_codes")
        population, teacher_codes = teacher_population(
            network,
            problem_grids,
            N=N,
            loss_kind=loss.kind,
            noise=data_cfg.get("noise", 0.1),
            seed=teacher_seed,
            density=data_cfg.get("density", 1.0),
            teacher_codes=teacher_codes,
        )
        info["teacher_codes"] = teacher_codes.tolist()
        train = population.sample(_require(data_cfg, "n", "data"), np.random.default_rng([seed, 1]))
    else:
        if data_kind == "sklearn":
            classes = data_cfg.get("classes")
            if classes is not None:
                classes = _check_int_list(classes, "data.classes")
            as_population = check_bool(data_cfg.get("as_population", False), "data.as_population")
            split = load_sklearn(
                _require(data_cfg, "dataset", "data"),
                seed=seed,
                test_fraction=data_cfg.get("test_fraction", 0.25),
                classes=classes,
                pca=data_cfg.get("pca"),
            )
            if as_population:
                _check_rows(_require(data_cfg, "n", "data"), "data.n", split.train.d + 1)
                X = np.concatenate([split.train.X, split.test.X])
                y = np.concatenate([split.train.y, split.test.y])
                population = Population.uniform(X, y)
                train = population.sample(_require(data_cfg, "n", "data"), np.random.default_rng([seed, 1]))
            else:
                train, test = split.train, split.test
                if "n" in data_cfg:
                    n = check_positive_int(data_cfg["n"], "data.n")
                    if n > train.n:
                        raise ValueError(f"data.n == {n}, must be in [1, {train.n}] (the training split's size)")
                    train = Dataset(train.X[:n], train.y[:n])
        else:
            whole = load_csv(base_dir / check_string(_require(data_cfg, "path", "data"), "data.path"))
            if "n" in data_cfg:
                _check_rows(data_cfg["n"], "data.n", whole.d + 1)
                population = Population.uniform(whole.X, whole.y)
                train = population.sample(data_cfg["n"], np.random.default_rng([seed, 1]))
            else:
                train = whole
        if layers is None:
            layers = [train.d, _n_outputs(train.y, loss)]
            _check_layers(layers, model_cfg)
        network = _network(kind, layers, model_cfg)
        grids = _layer_grids(cfg["grid"], model_cfg, network)
    return Problem(
        network=network,
        layer_grids=grids,
        loss=loss,
        train=train,
        population=population,
        test=test,
        penalty=penalty,
        name=str(cfg.get("name", default_name)),
        info=info,
    )


def _network(kind: str, layers: list, model_cfg: dict) -> Network:
    bias = check_bool(model_cfg.get("bias", False), "model.bias")
    return Network(kind, tuple(int(w) for w in layers), model_cfg.get("activation", "tanh"), bias)


def _check_layers(layers: Any, model_cfg: dict) -> None:
    """model.layers: a list of positive integers whose network has at most ``MAX_PARAMS`` parameters
    (p = sum over layers of (inputs + bias) x outputs, counted before anything is built)."""
    if not isinstance(layers, list) or len(layers) < 2:
        raise ValueError(f"model.layers must be a list of at least 2 positive integers, got {layers!r}")
    for i, w in enumerate(layers):
        check_positive_int(w, f"model.layers[{i}]")
    bias = check_bool(model_cfg.get("bias", False), "model.bias")
    p = sum((a + int(bias)) * b for a, b in zip(layers[:-1], layers[1:]))
    check_size(p, "model.layers", MAX_PARAMS, "the number of parameters p")


def _check_rows(n: Any, name: str, columns: int) -> int:
    """A number of rows >= 1 whose data (``columns`` float64 entries per row) fits ``MAX_DATA_ENTRIES``."""
    n = int(check_scalar(n, name, numbers.Integral, min_val=1))
    limit = max(1, MAX_DATA_ENTRIES // max(1, columns))
    if n > limit:
        raise ValueError(
            f"{name} == {n}, must be in [1, {limit}] (at most {MAX_DATA_ENTRIES:,} float entries, {columns} per row)"
        )
    return n


def _check_int_list(values: Any, name: str) -> list[int]:
    """A list of integers (booleans and floats refused)."""
    if not isinstance(values, list):
        raise ValueError(f"{name} must be a list of integers, got {values!r}")
    for i, v in enumerate(values):
        check_scalar(v, f"{name}[{i}]", numbers.Integral, min_val=-(2**62), max_val=2**62)
    return values


def _n_outputs(y: np.ndarray, loss: Loss) -> int:
    """Outputs of a model whose width is taken from the data: 1 for regression or labels in {-1, +1}, else C
    for class indices 0..C-1 (checked before any array of C columns exists)."""
    if not loss.is_classification or np.all(np.isin(y, (-1, 1))):
        return 1
    bad = y[(y != np.round(y)) | (y < 0) | (y >= MAX_CLASSES)]
    if bad.size:
        raise ValueError(
            f"data: class label {bad[0]!r} in the target column; the {loss.kind} loss needs labels in {{-1, +1}} "
            f"or class indices in [0, {MAX_CLASSES - 1}]"
        )
    return int(np.max(y)) + 1


def _layer_grids(grid_cfg: dict, model_cfg: dict, network: Network) -> list[Grid]:
    default = as_grid(grid_cfg, "grid")
    per_layer = model_cfg.get("layer_grids")
    if per_layer is None:
        return [default] * len(network.layout)
    if not isinstance(per_layer, list) or len(per_layer) != len(network.layout):
        raise ValueError(f"model.layer_grids must list one grid table per layer ({len(network.layout)})")
    return [as_grid(g, f"model.layer_grids[{i}]") for i, g in enumerate(per_layer)]
