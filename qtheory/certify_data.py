"""Certified test-error guarantees for quantized nets trained on real data (docs/theory.md V4, V1's bound with the
exact count, with V2's ln M; V1 reported beside it).

Protocol, for one data set and one seed:

1. **Split.** A seeded permutation of the rows gives three disjoint parts: the *test* split (a fraction
   ``test_fraction``), the *preparation* rows S0 and the *certification* rows S1 (S0 and S1 form the training
   split).  The test split is set aside and used once, by the final evaluation, after every choice.
2. **Features.** A feature map fixed before S1 is seen: the fixed elementwise symlog transform
   x -> sign(x) ln(1 + |x|) (monotone, data-free; it tames long right tails such as areas and counts), then
   the affine map x -> (x - c) / s with c, s the mean and standard deviation on S0 alone (constant
   features: s = 1); or, for a data set whose feature range is documented (digits: pixel intensities 0..16),
   the data-free map of that range onto [-1, 1] (then S0 is empty).  A map fitted on S1 would make the
   hypothesis class depend on the very sample the bound is computed on, which the union argument of V1 does
   not allow.
3. **Training.** For each of the M configurations (architecture, grid Q = {m d : |m| <= K}, MCP level lam):
   a straight-through-estimator (STE) solution, rounded to Q, is the warm start of Q-CD, which minimizes
   F(beta) = L_n(beta) + P(beta) on the configuration's surrogate loss over the whole training split
   (S0 and S1).  With the default a = d / lam the MCP saturates at the first grid level, so every non-zero
   weight pays the same a lam^2 / 2 = lam d / 2: an L0 penalty on the grid, the quantity V1 charges for.
   The STE warm start carries the MCP on its latent float weights (a sparse start; see :mod:`qtheory.ste`).
4. **Certificate.** V4 on the 0-1 error, for the configuration's own p and |Q| and the network's own
   k = ||beta||_0, on the n = |S1| certification rows, with V2's ln M added (M = number of configurations):
   with probability >= 1 - delta' over S1 (given S0), simultaneously for every configuration and every
   beta in its Q^p (every grid contains 0),

       L(beta) <= kl^{-1}( L_n(beta), (ln C(p,k) + k ln(|Q|-1) + ln(2(p+1) sqrt(n)/delta') + ln M) / n ),

   V1 (the same with k ln(p|Q|) in place of the exact count ln C(p,k) + k ln(|Q|-1); never smaller) beside
   it, and the Hoeffding certificate L(beta) <= L_n(beta) + D_M(k) (L1's radius with ln M, B = 1).
   Because the bound holds for every beta at once it may be evaluated at the trained beta whatever loss
   trained it.  With several layers on different grids the count uses the largest |Q| (still an upper
   bound on the number of networks with k non-zeros, every grid containing 0).
5. **Selection.** By default the *budget rule*: among the configurations whose certificate (V4) on S1 is at
   most the budget b (:func:`default_max_bound`: 0.15 for two classes, 0.40 for more), the one with the smallest 0-1 error on S1 (ties: the
   smaller V4); when no configuration meets the budget, the one with the smallest V4.  ``max_bound=None``
   chooses the smallest V4 outright.  Either rule sees the training split only, and its price is the ln M
   already in every certificate.
6. **Evaluation.** The chosen network, and the STE baseline of the same architecture and grid (trained on
   the surrogate loss alone, without penalty: typically dense; its own non-zero count, same M), are evaluated
   on the test split.

Every formula comes from :mod:`qtheory.theory` (V4, V1, V2); nothing is re-typed here.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from qtheory.data import SKLEARN_DATASETS, Dataset, load_csv
from qtheory.grid import Grid
from qtheory.losses import Loss
from qtheory.models import Network
from qtheory.problem import Penalty, Problem
from qtheory.ste import PENALTY_ON
from qtheory.threads import torch_thread_limit
from qtheory.validation import (
    MAX_CLASSES,
    check_choice,
    check_positive_int,
    check_positive_real,
    check_probability,
    check_scalar,
)

#: documented feature ranges of bundled data sets: mapped onto [-1, 1] without looking at any sample
KNOWN_RANGES: dict[str, tuple[float, float]] = {"digits": (0.0, 16.0)}
PREPROCESSING = ("auto", "standardize", "symlog", "range")
SURROGATES = ("logistic", "hinge", "squared", "zero_one")
#: V1 (Maurer's bound) needs n >= 8 certification rows
MIN_CERT_ROWS = 8
#: the preparation rows S0 that fix the standardization (a mean and a standard deviation from fewer is noise)
MIN_PREP_ROWS = 5
#: every class needs this many rows in the training split (a label seen once cannot be learned, only memorized)
MIN_ROWS_PER_CLASS = 2

Progress = Callable[[str], None]


# ===================================================================================== configurations
@dataclass(frozen=True)
class Config:
    """One configuration: architecture, grid and MCP penalty (and the surrogate loss Q-CD minimizes).

    hidden : hidden-layer widths; () is a linear model.  bias : whether every layer has biases.
    K, step : the grid Q = {m d : m integer, |m| <= K} with d = ``step``, shared by every layer; |Q| = 2K + 1.
    lam, a : MCP parameters; ``a = None`` means a = d / lam, so that P_lam(m d) = a lam^2 / 2 = lam d / 2 for
    every m != 0 (the penalty counts non-zeros).  loss, B : the surrogate loss and its clip level.
    """

    lam: float
    K: int = 1
    step: float = 1.0
    hidden: tuple[int, ...] = ()
    activation: str = "tanh"
    bias: bool = True
    loss: str = "logistic"
    B: float = 5.0
    a: float | None = None

    def __post_init__(self) -> None:
        check_positive_real(self.lam, "config.lam")
        check_positive_int(self.K, "config.K")
        check_positive_real(self.step, "config.step")
        check_choice(self.loss, "config.loss", SURROGATES)
        check_positive_real(self.B, "config.B")
        if self.a is not None:
            check_positive_real(self.a, "config.a")
        object.__setattr__(self, "hidden", tuple(check_positive_int(h, "config.hidden") for h in self.hidden))

    @property
    def a_value(self) -> float:
        return self.step / self.lam if self.a is None else float(self.a)

    def grid(self) -> Grid:
        return Grid.uniform(self.K, self.step)

    def penalty(self) -> Penalty:
        return Penalty(self.a_value, self.lam)

    def network(self, n_inputs: int, n_outputs: int) -> Network:
        layers = (n_inputs, *self.hidden, n_outputs)
        if self.hidden:
            return Network.mlp(layers, self.activation, self.bias)
        return Network.linear(n_inputs, n_outputs, self.bias)

    def baseline_key(self) -> tuple:
        """What the unpenalized STE baseline depends on: everything but the penalty (lam, a)."""
        return (self.K, self.step, self.hidden, self.activation, self.bias, self.loss, self.B)

    def label(self) -> str:
        arch = "linear" if not self.hidden else "mlp-" + "-".join(map(str, self.hidden)) + f"-{self.activation}"
        return f"{arch} K={self.K} d={self.step:g} lam={self.lam:g} {self.loss}"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        out["a"] = self.a_value
        out["label"] = self.label()
        return out


#: the record key of the certificate that selection and the reports use (V4; V1 is reported beside it)
CERTIFICATE = "bound_V4"
#: the certificate budget b of the default selection rule for two classes (see :func:`select_config`)
DEFAULT_MAX_BOUND = 0.15
#: the certificate budget b of the default selection rule for more than two classes
MULTICLASS_MAX_BOUND = 0.40


def default_max_bound(n_classes: int) -> float:
    """The default certificate budget b: the level of V4 the default configurations aim for, 0.15 for two
    classes (``DEFAULT_MAX_BOUND``) and 0.40 for more (``MULTICLASS_MAX_BOUND``; one output per class, p about
    C times larger).  The rule then spends the budget on fit (:func:`select_config`)."""
    n_classes = check_positive_int(n_classes, "n_classes", min_val=2)
    return DEFAULT_MAX_BOUND if n_classes == 2 else MULTICLASS_MAX_BOUND
#: binary problems: prices lam d / 2 of one non-zero weight searched by default
BINARY_PRICES = (0.004, 0.006, 0.01, 0.015, 0.02, 0.03, 0.04, 0.06)
#: multi-class problems: prices of one non-zero weight searched by default
MULTICLASS_PRICES = (0.001, 0.002, 0.003, 0.005)
#: multi-class problems: the grids (K, d) of the linear models searched by default
MULTICLASS_GRIDS = ((1, 0.75), (1, 1.0), (1, 1.5), (2, 0.5))


def default_configs(n_classes: int) -> list[Config]:
    """The configurations searched by default (biases everywhere).

    The price of one non-zero weight in F is lam d / 2 (a = d / lam).  Binary problems (M = 144): sparse
    linear models, K in {1, 2, 3}, d in {0.5, 1, 2}, the logistic and the hinge surrogate, price in
    ``BINARY_PRICES`` (0.004 .. 0.06, about 15 down to 4 non-zero weights on breast_cancer).  Multi-class
    problems (one output per class, M = 12): linear models with K = 1, d in {0.75, 1}, and a tanh MLP with
    16 hidden units, K = 1, d = 1; logistic surrogate; price in ``MULTICLASS_PRICES``.

    The binary list was fixed on pilot splits (breast_cancer, seeds 100-119, none of the reported seeds),
    together with the selection rule, as the best of several lists and rules on the pilot test errors; the
    feature map and the sparse warm start on further pilot splits (seeds 120-159); see
    ``benchmarks/certify_real_data.py``.
    """
    n_classes = check_positive_int(n_classes, "n_classes", min_val=2)
    if n_classes == 2:
        return [Config(lam=2 * price / step, K=K, step=step, loss=loss)
                for loss in ("logistic", "hinge") for K in (1, 2, 3) for step in (0.5, 1.0, 2.0)
                for price in BINARY_PRICES]
    return [Config(lam=2 * price / step, K=K, step=step) for K, step in MULTICLASS_GRIDS for price in MULTICLASS_PRICES]


# ===================================================================================== data protocol
@dataclass(frozen=True)
class PreparedData:
    """The split of one data set for one seed, features mapped by a map fixed before S1 is seen.

    train : the training split (S0 then S1), features mapped.  n_prep : |S0| (its first rows).
    test : the test split, features mapped.  classes : original class labels in the order of the encoded
    targets (binary: -1, +1; otherwise 0..C-1).  preprocessing : how features were mapped.
    """

    name: str
    train: Dataset
    n_prep: int
    test: Dataset
    classes: np.ndarray
    preprocessing: str
    rows: dict[str, np.ndarray] = field(repr=False)

    @property
    def cert(self) -> Dataset:
        """S1, the certification rows."""
        return Dataset(self.train.X[self.n_prep :], self.train.y[self.n_prep :])

    @property
    def n_classes(self) -> int:
        return int(self.classes.size)

    @property
    def n_outputs(self) -> int:
        return 1 if self.n_classes == 2 else self.n_classes


def load_raw(dataset: str | Path | Dataset) -> tuple[str, Dataset]:
    """(name, raw data): a bundled scikit-learn data set by name, a CSV file path (header row, numeric
    columns, target last) or a :class:`Dataset` given directly (name ``"custom"``)."""
    if isinstance(dataset, Dataset):
        return "custom", dataset
    if not isinstance(dataset, (str, Path)):
        raise TypeError(f"dataset must be a data set name, a CSV path or a Dataset, got {type(dataset).__name__}")
    text = str(dataset)
    if text in SKLEARN_DATASETS:
        import sklearn.datasets as skd

        bunch = getattr(skd, f"load_{text}")()
        return text, Dataset(bunch.data, bunch.target)
    if text.lower().endswith(".csv") or Path(text).is_file():
        return text, load_csv(text)
    raise ValueError(
        f"dataset == {text!r}, must be one of {', '.join(map(repr, SKLEARN_DATASETS))} or the path of a CSV file"
    )


def encode_labels(target: np.ndarray, classes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(encoded targets, classes).  ``classes`` defaults to the distinct values of ``target``.

    Two classes -> -1/+1 (smaller label -> -1); C > 2 classes -> 0..C-1 in increasing order of the original
    labels.  A value that is not among ``classes`` is encoded as 0 (binary) or -1 (multi-class): no network
    predicts it, so :func:`zero_one_error` counts it as an error.
    """
    target = np.asarray(target)
    if classes is None:
        classes = np.unique(target)
        if classes.size < 2:
            raise ValueError(f"the target column needs at least 2 classes, got {classes.size} ({classes.tolist()})")
        if classes.size > MAX_CLASSES:
            raise ValueError(
                f"the target column has {classes.size} distinct values, more than {MAX_CLASSES}: certify-data "
                "needs a classification target (class labels in the last column)"
            )
    index = np.clip(np.searchsorted(classes, target), 0, classes.size - 1)
    known = classes[index] == target
    if classes.size == 2:
        return np.where(known, np.where(index == 1, 1.0, -1.0), 0.0), classes
    return np.where(known, index, -1).astype(np.int64), classes


def check_class_labels(target: np.ndarray, name: str) -> np.ndarray:
    """The target column of a classification data set: finite integer class labels (any sign), between 2 and
    ``MAX_CLASSES`` distinct ones.  A continuous target (a regression file) is refused here, before any
    label is encoded or any network sized."""
    y = np.asarray(target, dtype=np.float64)
    bad = y[~np.isfinite(y) | (y != np.round(y))]
    if bad.size:
        raise ValueError(
            f"dataset {name!r}: the class labels (last column) must be integers, got {float(bad[0])!r}; "
            "certify-data needs a classification target"
        )
    classes, counts = np.unique(y, return_counts=True)
    if not 2 <= classes.size <= MAX_CLASSES:
        raise ValueError(
            f"dataset {name!r}: the class labels (last column) take {classes.size} distinct values, must be in "
            f"[2, {MAX_CLASSES}]"
        )
    if counts.min() < MIN_ROWS_PER_CLASS:
        c = classes[int(np.argmin(counts))]
        raise ValueError(
            f"dataset {name!r}: class label {c:g} has {int(counts.min())} row(s), every class needs at least "
            f"{MIN_ROWS_PER_CLASS} (labels seen: {classes.size})"
        )
    return y


def _check_rows_per_class(y_train: np.ndarray, name: str) -> None:
    """Every class needs at least ``MIN_ROWS_PER_CLASS`` rows in the training split."""
    classes, counts = np.unique(np.asarray(y_train), return_counts=True)
    if counts.min() < MIN_ROWS_PER_CLASS:
        c = classes[int(np.argmin(counts))]
        raise ValueError(
            f"dataset {name!r}: class label {c:g} has {int(counts.min())} row(s) in the training split, every class "
            f"needs at least {MIN_ROWS_PER_CLASS} (labels seen: {len(classes)}); use fewer classes or more rows"
        )


def symlog(x: np.ndarray) -> np.ndarray:
    """The elementwise symlog map x -> sign(x) ln(1 + |x|): monotone, odd, fixed before any data is seen."""
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


def split_rows(n_rows: int, *, seed: int, test_fraction: float, prep_size: int) -> dict[str, np.ndarray]:
    """Row indices of the test split, S0 and S1 from one seeded permutation (disjoint, covering all rows)."""
    order = np.random.default_rng(seed).permutation(n_rows)
    n_test = int(round(test_fraction * n_rows))
    if n_test < 1:
        raise ValueError(f"test_fraction == {test_fraction} leaves an empty test split of {n_rows} rows")
    n_cert = n_rows - n_test - prep_size
    if n_cert < MIN_CERT_ROWS:
        raise ValueError(
            f"{n_rows} rows leave {n_cert} certification rows after the test split ({n_test}) and the "
            f"preparation rows ({prep_size}); V1 needs at least {MIN_CERT_ROWS}"
        )
    return {"test": order[:n_test], "prep": order[n_test : n_test + prep_size], "cert": order[n_test + prep_size :]}


def prepare_data(
    dataset: str | Path | Dataset,
    *,
    seed: int,
    test_fraction: float = 0.2,
    prep_fraction: float = 0.05,
    preprocessing: str = "auto",
) -> PreparedData:
    """Load, encode, split and map the features of ``dataset`` (protocol steps 1-2 of the module docstring).

    ``preprocessing``: ``"standardize"`` (mean and standard deviation of S0, a fraction ``prep_fraction``
    of the training split), ``"symlog"`` (x -> sign(x) ln(1 + |x|) elementwise, then standardized on S0: tames
    the long right tails of positive measurements such as areas; near the identity for |x| << 1),
    ``"range"`` (the documented range onto [-1, 1]; S0 empty), or ``"auto"``
    (``"range"`` where a range is documented, else ``"symlog"``).  The test rows are not read here
    beyond being set aside.
    """
    seed = check_positive_int(seed, "seed", min_val=0)
    test_fraction = float(check_scalar(test_fraction, "test_fraction", (int, float), min_val=0.0, max_val=1.0,
                                       include_boundaries="neither"))
    prep_fraction = float(check_scalar(prep_fraction, "prep_fraction", (int, float), min_val=0.0, max_val=1.0,
                                       include_boundaries="neither"))
    check_choice(preprocessing, "preprocessing", PREPROCESSING)
    name, raw = load_raw(dataset)
    check_class_labels(raw.y, name)
    if preprocessing == "auto":
        preprocessing = "range" if name in KNOWN_RANGES else "symlog"
    if preprocessing == "range" and name not in KNOWN_RANGES:
        raise ValueError(
            f"preprocessing == 'range' needs a documented feature range; known for {', '.join(KNOWN_RANGES)}, "
            f"not for {name!r}"
        )
    n_test = int(round(test_fraction * raw.n))
    prep_size = 0 if preprocessing == "range" else int(round(prep_fraction * (raw.n - n_test)))
    rows = split_rows(raw.n, seed=seed, test_fraction=test_fraction, prep_size=prep_size)
    if preprocessing != "range" and prep_size < MIN_PREP_ROWS:
        raise ValueError(
            f"prep_fraction == {prep_fraction:g} of the {raw.n - n_test} training rows of {name!r} gives {prep_size} "
            f"preparation rows, the standardization needs at least {MIN_PREP_ROWS}; raise prep_fraction "
            "(--prep-fraction), use more rows, or preprocessing = 'range'"
        )
    train_rows = np.concatenate([rows["prep"], rows["cert"]])
    _check_rows_per_class(raw.y[train_rows], name)
    # the label set comes from the training split; a test label outside it is a test error
    y_train, classes = encode_labels(raw.y[train_rows])
    y_test, _ = encode_labels(raw.y[rows["test"]], classes)
    if preprocessing == "range":
        lo, hi = KNOWN_RANGES[name]
        center, scale = np.full(raw.d, (lo + hi) / 2), np.full(raw.d, (hi - lo) / 2)
        how = f"range [{lo:g}, {hi:g}] mapped onto [-1, 1] (no data used)"
    features = symlog(raw.X) if preprocessing == "symlog" else np.asarray(raw.X, dtype=float)
    if preprocessing != "range":
        prep = features[rows["prep"]]
        center, scale = prep.mean(axis=0), prep.std(axis=0)
        scale[scale == 0] = 1.0
        how = f"standardized with the mean and standard deviation of {prep_size} preparation rows (S0)"
        if preprocessing == "symlog":
            how = "symlog x -> sign(x) ln(1 + |x|), then " + how
    train = Dataset((features[train_rows] - center) / scale, y_train)
    test = Dataset((features[rows["test"]] - center) / scale, y_test)
    return PreparedData(name, train, prep_size, test, classes, how, rows)


# ===================================================================================== certificate
def certificate(*, train_error: float, nonzeros: int, n: int, p: int, Qsize: int, delta: float, M: int) -> dict[str, float]:
    """V4 (the certificate), V1 and the Hoeffding certificate L_n + D_M(k) (V2's radius with B = 1) for a
    [0, 1] loss on a grid that contains 0.

    ``train_error`` is L_n on the n certification rows, ``nonzeros`` = k = ||beta||_0, and M the number of
    configurations selected among (V2); every value comes from :mod:`qtheory.theory`.
    """
    from qtheory.theory import V1, V2, V4

    numbers = dict(k=nonzeros, n=n, p=p, Qsize=Qsize, delta=delta, M=M)
    v4 = float(V4.evaluate(Ln=train_error, **numbers))
    v1 = float(V1.evaluate(Ln=train_error, **numbers))
    hoeffding = train_error + float(V2.evaluate(B=1.0, **numbers))
    return {"bound_V4": v4, "bound_V1": v1, "bound_hoeffding": hoeffding}


# ===================================================================================== training
@dataclass
class Fit:
    """One configuration trained: the STE warm start, the Q-CD output and the STE baseline (integer codes),
    with Q-CD's facts."""

    config: Config
    problem: Problem
    start_codes: np.ndarray
    codes: np.ndarray
    ste_codes: np.ndarray
    qcd: dict[str, Any]
    seconds: float


def build_problem(data: PreparedData, config: Config) -> Problem:
    """The quantized training problem of ``config`` on the whole training split (S0 and S1)."""
    network = config.network(data.train.d, data.n_outputs)
    return Problem(
        network=network,
        layer_grids=[config.grid()] * len(network.layout),
        loss=Loss(config.loss, 1.0 if config.loss == "zero_one" else config.B),
        train=data.train,
        penalty=config.penalty(),
        name=f"{data.name} {config.label()}",
    )


def train_baseline(problem: Problem, *, seed: int, ste_options: dict[str, Any] | None = None) -> np.ndarray:
    """The STE baseline: the same network and grid trained by the straight-through estimator on the surrogate
    loss alone (no penalty), rounded to the grid; typically dense."""
    from qtheory.ste import train_ste

    plain = replace(problem, penalty=None)
    return np.asarray(train_ste(plain, seed=seed, **(ste_options or {})), dtype=np.int64)


def train_config(problem: Problem, config: Config, *, seed: int, nu: float = 0.0,
                 ste_options: dict[str, Any] | None = None, start_penalty: str = "latent",
                 baseline: np.ndarray | None = None) -> Fit:
    """STE warm start (rounded), then Q-CD to a certified nu-local solution of F = L_n + P.

    The warm start is trained with the MCP penalty on the latent weights (``start_penalty = "latent"``, a
    sparse start) or on the rounded ones (``"rounded"``: with the default a = d / lam its straight-through
    gradient vanishes, so the start is the dense STE solution); see :mod:`qtheory.ste`.  ``baseline``: the
    STE baseline's codes when already trained (it does not depend on lam), else it is trained here.
    """
    from qtheory.solve.qcd import qcd
    from qtheory.ste import train_ste

    t0 = time.perf_counter()
    options = dict(ste_options or {})
    start = np.asarray(train_ste(problem, seed=seed, penalty_on=start_penalty, **options), dtype=np.int64)
    result = qcd(problem, nu, start=start.copy(), order="cyclic", seed=seed)
    facts = {"moves": int(result.moves), "local": bool(result.local), "F": float(result.F), "F0": float(result.F0),
             "hit_cap": bool(result.hit_cap), "sweeps": int(result.sweeps)}
    if baseline is None:
        baseline = train_baseline(problem, seed=seed, ste_options=options)
    return Fit(config, problem, start, np.asarray(result.codes, dtype=np.int64), np.asarray(baseline, dtype=np.int64),
               facts, time.perf_counter() - t0)


def zero_one_error(problem: Problem, codes: np.ndarray, data: Dataset) -> float:
    """The 0-1 error of the network at ``codes`` on ``data`` (ties are errors; see :class:`Loss`); a row whose
    label is unknown to the network (encoded 0 or -1 by :func:`encode_labels`) is an error."""
    outputs = problem.network.forward(problem.values(np.asarray(codes)), data.X)
    y = np.asarray(data.y)
    known = (y != 0) if problem.network.n_outputs == 1 else (y >= 0)
    errors = np.ones(y.shape[0])
    if np.any(known):
        errors[known] = Loss("zero_one").per_sample(outputs[known], y[known])
    return float(errors.mean())


def qsize(problem: Problem) -> int:
    """|Q| for V4's and V1's count: the largest grid over the layers (each must contain 0: V4 counts the
    points with k non-zeros as C(p,k)(|Q|-1)^k)."""
    for i, g in enumerate(problem.layer_grids):
        if not np.any(np.asarray(g.levels) == 0):
            raise ValueError(f"layer {i}'s grid has no 0 level: the certificate's count needs 0 in Q")
    return max(g.size for g in problem.layer_grids)


def _assess(problem: Problem, codes: np.ndarray, cert: Dataset, *, delta: float, M: int) -> dict[str, Any]:
    """Certificate facts of one network on S1 (no test data)."""
    k = int(problem.nonzeros(codes))
    err = zero_one_error(problem, codes, cert)
    bounds = certificate(train_error=err, nonzeros=k, n=cert.n, p=problem.p, Qsize=qsize(problem),
                         delta=delta, M=M)
    return {"train_error": err, "nonzeros": k, "p": problem.p, "Qsize": qsize(problem), **bounds}


def select_config(rows: Sequence[dict[str, Any]], max_bound: float | None = DEFAULT_MAX_BOUND) -> int:
    """Index of the chosen configuration, from training-split facts only (``bound_V4``, ``train_error``).

    ``max_bound = b`` (default ``DEFAULT_MAX_BOUND``): the smallest training 0-1 error among the
    configurations whose certificate V4 <= b (ties: the smaller V4), i.e. the best fit that meets a
    certificate budget; the smallest V4 when none meets it.  ``max_bound = None``: the smallest V4.  Either
    way the choice is one of M, paid for by V2's ln M.  Remaining ties go to the earlier configuration.

    The smallest bound alone favours the sparsest networks (it changes little between 2 and 10 non-zeros on
    a few hundred rows, while the test error does); the budget rule spends the certificate budget on fit.
    """
    if not rows:
        raise ValueError("rows must list at least one configuration")
    order = range(len(rows))
    if max_bound is not None:
        max_bound = float(check_scalar(max_bound, "max_bound", (int, float), min_val=0.0, max_val=1.0))
        within = [i for i in order if rows[i][CERTIFICATE] <= max_bound]
        if within:
            return min(within, key=lambda i: (rows[i]["train_error"], rows[i][CERTIFICATE], i))
    return min(order, key=lambda i: (rows[i][CERTIFICATE], i))


def selection_rule(max_bound: float | None) -> str:
    """The selection rule of :func:`select_config`, in words."""
    if max_bound is None:
        return "smallest V4 on the certification rows among the M configurations"
    return (f"smallest training error among the M configurations with V4 <= {max_bound:g} on the certification "
            "rows (smallest V4 if none)")


# ===================================================================================== pipeline
def certify_dataset(
    dataset: str | Path | Dataset,
    *,
    seed: int,
    delta: float = 0.05,
    configs: Sequence[Config] | None = None,
    test_fraction: float = 0.2,
    prep_fraction: float = 0.05,
    preprocessing: str = "auto",
    nu: float = 0.0,
    ste_options: dict[str, Any] | None = None,
    start_penalty: str = "latent",
    max_bound: float | None | str = "auto",
    torch_threads: int | None = 1,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train, select and certify (module docstring); return the JSON-ready record.

    Keys: dataset, n_train (n = |S1|, the rows the certificates use), n_test, train_error (0-1 error on S1),
    test_error, nonzeros, p, Qsize, M, delta (delta'), bound_V4 (the certificate), bound_V1, bound_hoeffding
    for the chosen network; and seed,
    n_prep, preprocessing, n_classes, config (the chosen one), codes (its integer codes), qcd (Q-CD facts),
    ste (the STE baseline of the chosen configuration: same keys, same M), configs (one row per
    configuration: its certificate facts, then its test errors, computed only after the choice).

    ``configs`` defaults to :func:`default_configs`; pass a fixed list (e.g. one lam per entry) to trace
    bounds and test errors across configurations: every entry's certificate pays ln M for M = len(configs).
    ``max_bound``: the selection rule of :func:`select_config` (default ``"auto"``: the budget rule with
    :func:`default_max_bound` for the data set's number of classes; a number: that budget; None: smallest V4).  ``start_penalty``: where the STE warm start puts the MCP
    penalty (:func:`train_config`); ``ste_options`` (epochs, lr) apply to the warm start and to the baseline,
    which is trained once per architecture, grid and surrogate (it does not depend on lam).  ``torch_threads``:
    intra-op threads of the STE training (default 1: full-batch training on a few thousand rows gains nothing
    from more, and one thread makes the float results machine-independent).
    """
    delta = check_probability(delta, "delta")
    if max_bound is not None and not (isinstance(max_bound, str) and max_bound == "auto"):
        check_scalar(max_bound, "max_bound", (int, float), min_val=0.0, max_val=1.0)
    nu = check_positive_real(nu, "nu", allow_zero=True)
    check_choice(start_penalty, "start_penalty", PENALTY_ON)
    if torch_threads is not None:
        torch_threads = check_positive_int(torch_threads, "torch_threads")
    say = progress or (lambda _msg: None)
    data = prepare_data(dataset, seed=seed, test_fraction=test_fraction, prep_fraction=prep_fraction,
                        preprocessing=preprocessing)
    configs = list(default_configs(data.n_classes) if configs is None else configs)
    if isinstance(max_bound, str):
        max_bound = default_max_bound(data.n_classes)
    if not configs:
        raise ValueError("configs must list at least one configuration")
    for i, c in enumerate(configs):
        if not isinstance(c, Config):
            raise TypeError(f"configs[{i}] must be a Config, got {type(c).__name__}")
    M = len(configs)
    cert = data.cert

    # ---- training and selection: the training split only
    fits: list[Fit] = []
    rows: list[dict[str, Any]] = []
    baselines: dict[tuple, np.ndarray] = {}
    for i, config in enumerate(configs):
        problem = build_problem(data, config)
        with torch_thread_limit(torch_threads):
            key = config.baseline_key()
            if key not in baselines:
                baselines[key] = train_baseline(problem, seed=seed, ste_options=ste_options)
            fit = train_config(problem, config, seed=seed, nu=nu, ste_options=ste_options,
                               start_penalty=start_penalty, baseline=baselines[key])
        row = {"config": config.to_json(), **_assess(problem, fit.codes, cert, delta=delta, M=M),
               "ste": _assess(problem, fit.ste_codes, cert, delta=delta, M=M), "qcd": fit.qcd,
               "seconds": fit.seconds}
        fits.append(fit)
        rows.append(row)
        say(f"[{i + 1}/{M}] {config.label()}: k={row['nonzeros']} train error={row['train_error']:.4f} "
            f"V4={row['bound_V4']:.4f} V1={row['bound_V1']:.4f} (STE k={row['ste']['nonzeros']} "
            f"V4={row['ste']['bound_V4']:.4f}) "
            f"{fit.seconds:.1f}s")
    best = select_config(rows, max_bound)
    chosen = fits[best]

    # ---- final evaluation: the first and only reading of the test split
    for fit, row in zip(fits, rows):
        row["test_error"] = zero_one_error(fit.problem, fit.codes, data.test)
        row["ste"]["test_error"] = zero_one_error(fit.problem, fit.ste_codes, data.test)
    top = rows[best]
    keys = ("train_error", "nonzeros", "p", "Qsize", "bound_V4", "bound_V1", "bound_hoeffding")
    return {
        "dataset": data.name,
        "n_train": cert.n,
        "n_test": data.test.n,
        "train_error": top["train_error"],
        "test_error": top["test_error"],
        "nonzeros": top["nonzeros"],
        "p": top["p"],
        "Qsize": top["Qsize"],
        "M": M,
        "delta": delta,
        "bound_V4": top["bound_V4"],
        "bound_V1": top["bound_V1"],
        "bound_hoeffding": top["bound_hoeffding"],
        "seed": seed,
        "n_prep": data.n_prep,
        "preprocessing": data.preprocessing,
        "n_classes": data.n_classes,
        "selection": selection_rule(max_bound),
        "max_bound": max_bound,
        "start_penalty": start_penalty,
        "config": top["config"],
        "codes": [int(c) for c in chosen.codes],
        "qcd": top["qcd"],
        "ste": {**{k: top["ste"][k] for k in keys}, "test_error": top["ste"]["test_error"],
                "codes": [int(c) for c in chosen.ste_codes]},
        "configs": rows,
    }


__all__ = [
    "CERTIFICATE", "Config", "PreparedData", "Fit", "certificate", "certify_dataset", "default_configs", "encode_labels",
    "DEFAULT_MAX_BOUND", "MULTICLASS_MAX_BOUND", "default_max_bound", "BINARY_PRICES", "MULTICLASS_PRICES", "PREPROCESSING",
    "select_config", "selection_rule",
    "load_raw", "prepare_data", "split_rows", "symlog", "build_problem", "train_baseline", "train_config", "zero_one_error",
]
