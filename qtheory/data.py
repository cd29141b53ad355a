"""Data: training samples, finite-support populations with exact population risk, and generators.

A :class:`Population` is a fixed set of N points z_j = (x_j, y_j) with probabilities w_j; its population risk
is exact, L(beta) = sum_j w_j l(beta, z_j), and a training sample Z_1..Z_n is drawn i.i.d. from it with a seed.
Generators: a teacher-student population (the teacher is a quantized net of the student's architecture, with
label noise), scikit-learn's bundled data sets (breast_cancer, digits, wine, iris) with seeded splits, and a
user's CSV file (features, then the target in the last column, header row).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qtheory.validation import MAX_DATA_ENTRIES, MAX_MAGNITUDE, check_choice, check_positive_int, check_scalar

SKLEARN_DATASETS = ("breast_cancer", "digits", "wine", "iris")


@dataclass(frozen=True)
class Dataset:
    """n samples: features X (n, d) and targets y (n,); X is float64, or int8 for +-1 sign inputs."""

    X: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        X = np.asarray(self.X)
        if X.dtype != np.int8:  # int8 holds +-1 signs compactly (the analytic population's inputs)
            X = X.astype(np.float64, copy=False)
        y = np.asarray(self.y)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n samples, d features), got shape {X.shape}")
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be 1-D with one target per row of X ({X.shape[0]}), got shape {y.shape}")
        if X.shape[0] == 0:
            raise ValueError("a data set needs at least one sample, got n = 0")
        if X.dtype != np.int8 and not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite values")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])


@dataclass(frozen=True)
class Population:
    """A finite-support distribution P: points (X[j], y[j]) with probabilities ``weights`` (sum 1)."""

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        data = Dataset(self.X, self.y)
        w = np.asarray(self.weights, dtype=np.float64)
        if w.shape != (data.n,):
            raise ValueError(f"weights must have shape ({data.n},), one per support point, got {w.shape}")
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite and >= 0")
        if not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-9):
            raise ValueError(f"weights must sum to 1, got {w.sum()!r}")
        object.__setattr__(self, "X", data.X)
        object.__setattr__(self, "y", data.y)
        object.__setattr__(self, "weights", w / w.sum())

    @classmethod
    def uniform(cls, X: np.ndarray, y: np.ndarray) -> "Population":
        n = np.asarray(X).shape[0]
        return cls(X, y, np.full(n, 1.0 / n))

    @property
    def N(self) -> int:
        return int(self.X.shape[0])

    def sample(self, n: int, seed: int | np.random.Generator | None) -> Dataset:
        """Z_1..Z_n i.i.d. from P (indices drawn with probabilities ``weights``)."""
        return Dataset(*self.sample_with_indices(n, seed)[:2])

    def sample_with_indices(self, n: int, seed: int | np.random.Generator | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = check_positive_int(n, "n")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        idx = rng.choice(self.N, size=n, replace=True, p=self.weights)
        return self.X[idx], self.y[idx], idx


# --------------------------------------------------------------------------- teacher-student
def teacher_population(
    network: "object",
    grids: list,
    *,
    N: int,
    loss_kind: str,
    noise: float,
    seed: int,
    density: float = 1.0,
    teacher_codes: np.ndarray | None = None,
) -> tuple[Population, np.ndarray]:
    """A finite population labelled by a quantized teacher net.

    The teacher has the student's architecture; its codes are drawn uniformly from each parameter's grid with
    a fraction ``density`` of them non-zero (zero kept where the grid has 0), unless ``teacher_codes`` is
    given.  Inputs x_j ~ N(0, I_d), j = 1..N, uniform weights 1/N.  Labels: regression (squared loss)
    y_j = f(x_j) + noise * g_j with g_j ~ N(0, 1); binary classification y_j = sign f(x_j) (f = 0 -> +1)
    flipped with probability ``noise``; multi-class y_j = argmax f(x_j), replaced by a uniformly drawn class
    with probability ``noise``.  Returns (population, teacher codes).
    """
    N = check_positive_int(N, "data.N")
    noise = float(check_scalar(noise, "data.noise", (int, float), min_val=0.0))
    density = float(check_scalar(density, "data.density", (int, float), min_val=0.0, max_val=1.0))
    if loss_kind != "squared":
        check_scalar(noise, "data.noise", (int, float), min_val=0.0, max_val=1.0)
    rng = np.random.default_rng(seed)
    p = network.n_params
    if teacher_codes is None:
        codes = np.empty(p, dtype=np.int64)
        nonzero_of: dict[int, np.ndarray] = {}
        for j, g in enumerate(grids):
            nonzero = nonzero_of.setdefault(id(g), g.codes[g.codes != 0])
            if g.has_zero and rng.random() >= density:
                codes[j] = 0
            else:
                codes[j] = rng.choice(nonzero)
    else:
        codes = np.asarray(teacher_codes, dtype=np.int64)
        if codes.shape != (p,):
            raise ValueError(f"data.teacher_codes must list {p} codes, got {codes.size}")
    beta = np.empty(p, dtype=np.float64)
    from qtheory.grid import params_by_grid

    for g, cols in params_by_grid(grids):  # one vectorized lookup per distinct grid
        beta[cols] = g.values(codes[cols], "data.teacher_codes")
    X = rng.standard_normal((N, network.n_inputs))
    f = network.forward(beta, X)
    if loss_kind == "squared":
        if network.n_outputs != 1:
            raise ValueError("a teacher population for the squared loss needs one output (model.layers[-1] = 1)")
        y = f[:, 0] + noise * rng.standard_normal(N)
    elif network.n_outputs == 1:
        y = np.where(f[:, 0] >= 0, 1.0, -1.0)
        flip = rng.random(N) < noise
        y = np.where(flip, -y, y)
    else:
        y = np.argmax(f, axis=1)
        replace = rng.random(N) < noise
        y = np.where(replace, rng.integers(0, network.n_outputs, N), y)
    return Population.uniform(X, y), codes


# --------------------------------------------------------------------------- scikit-learn
@dataclass(frozen=True)
class Split:
    """A seeded train/test split, features standardized with training statistics (and optionally PCA)."""

    train: Dataset
    test: Dataset
    classes: np.ndarray  # original class labels, in the order of the encoded targets


def load_sklearn(
    name: str,
    *,
    seed: int,
    test_fraction: float = 0.25,
    classes: list[int] | None = None,
    pca: int | None = None,
) -> Split:
    """A bundled scikit-learn data set, split with a seed.

    Binary problems (breast_cancer, or a two-element ``classes`` subset) get labels in {-1, +1} (the first
    class listed -> -1); other problems keep class indices 0..C-1.  Features are standardized with the
    training split's mean and standard deviation (constant features are left centred); ``pca = k`` then keeps
    the top k principal components of the training split.
    """
    check_choice(name, "data.dataset", SKLEARN_DATASETS)
    import sklearn.datasets as skd

    loader = {"breast_cancer": skd.load_breast_cancer, "digits": skd.load_digits, "wine": skd.load_wine, "iris": skd.load_iris}
    bunch = loader[name]()
    return split_arrays(bunch.data, bunch.target, seed=seed, test_fraction=test_fraction, classes=classes, pca=pca)


def split_arrays(
    X: np.ndarray,
    target: np.ndarray,
    *,
    seed: int,
    test_fraction: float,
    classes: list[int] | None = None,
    pca: int | None = None,
) -> Split:
    """Seeded stratified-free random split of (X, target) with label encoding and standardization."""
    test_fraction = float(check_scalar(test_fraction, "data.test_fraction", (int, float), min_val=0.0, max_val=1.0, include_boundaries="neither"))
    X = np.asarray(X, dtype=np.float64)
    target = np.asarray(target)
    present = np.unique(target)
    if classes is not None:
        wanted = np.asarray(classes)
        missing = [c for c in wanted.tolist() if c not in present.tolist()]
        if missing or len(set(wanted.tolist())) != len(wanted) or len(wanted) < 2:
            raise ValueError(f"data.classes must list at least 2 distinct classes among {present.tolist()}, got {list(classes)}")
        keep = np.isin(target, wanted)
        X, target = X[keep], target[keep]
        present = wanted
    y = np.searchsorted(np.sort(present), target) if classes is None else np.array([list(present).index(t) for t in target])
    if len(present) == 2:
        y = np.where(y == 1, 1.0, -1.0)
    rng = np.random.default_rng(seed)
    order = rng.permutation(X.shape[0])
    n_test = int(round(test_fraction * X.shape[0]))
    if n_test < 1 or n_test >= X.shape[0]:
        raise ValueError(f"data.test_fraction == {test_fraction} leaves an empty train or test split of {X.shape[0]} rows")
    test_idx, train_idx = order[:n_test], order[n_test:]
    mean = X[train_idx].mean(axis=0)
    std = X[train_idx].std(axis=0)
    std[std == 0] = 1.0
    Z = (X - mean) / std
    if pca is not None:
        k = check_positive_int(pca, "data.pca")
        if k > X.shape[1]:
            raise ValueError(f"data.pca == {k}, must be in [1, {X.shape[1]}] (the number of features)")
        _, _, vt = np.linalg.svd(Z[train_idx], full_matrices=False)
        Z = Z @ vt[:k].T
    return Split(Dataset(Z[train_idx], y[train_idx]), Dataset(Z[test_idx], y[test_idx]), np.asarray(present))


# --------------------------------------------------------------------------- CSV
def load_csv(path: str | Path) -> Dataset:
    """A CSV file with a header row; every column numeric; the target is the last column."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data.path: no such file {str(path)!r}")
    if path.stat().st_size > 8 * MAX_DATA_ENTRIES:
        raise ValueError(f"{path}: {path.stat().st_size:,} bytes, a CSV data file must be at most {8 * MAX_DATA_ENTRIES:,}")
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}); a CSV data file must be UTF-8") from None
    except csv.Error as exc:
        raise ValueError(f"{path}: not a readable CSV file ({exc})") from None
    if len(rows) < 2:
        raise ValueError(f"{path}: a CSV needs a header row and at least one data row, got {len(rows)} row(s)")
    header = rows[0]
    if len(header) < 2:
        raise ValueError(f"{path}: need at least one feature column and a target column, header has {len(header)}")
    values, line_of = [], []
    for line_no, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ValueError(f"{path}, line {line_no}: {len(row)} fields, the header has {len(header)}")
        try:
            values.append([float(cell) for cell in row])
            line_of.append(line_no)
        except ValueError:
            bad = next(cell for cell in row if not _is_float(cell))
            raise ValueError(f"{path}, line {line_no}: {bad!r} is not a number") from None
    if not values:
        raise ValueError(f"{path}: a CSV needs at least one data row after the header, got only blank rows")
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{path}: NaN or infinite values")
    big = np.abs(arr) > MAX_MAGNITUDE
    if np.any(big):
        row, col = (int(i) for i in np.argwhere(big)[0])
        raise ValueError(
            f"{path}, line {line_of[row]}, column {col + 1}: value {arr[row, col]:g} out of range; every value must be in "
            f"[-{MAX_MAGNITUDE:g}, {MAX_MAGNITUDE:g}]"
        )
    return Dataset(arr[:, :-1], arr[:, -1])


def _is_float(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
