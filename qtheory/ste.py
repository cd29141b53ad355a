"""Warm starts for Q-CD from continuous training of the same network (torch, CPU).

* :func:`train_float_rounded` trains the float weights of the problem's network on the training sample and
  rounds each weight to its grid with the grid's half-to-even rounding (``Grid.round``).
* :func:`train_ste` trains with the straight-through estimator: the forward pass uses the rounded weights
  q(w) (half-to-even, as ``Grid.round``), the backward pass treats q as the identity; the returned codes are
  q(w) at the end.

Training objective: the empirical risk of a differentiable surrogate of the problem's loss (the squared,
logistic and hinge losses without their clip at B, whose gradient vanishes beyond B; the logistic loss for
the zero-one loss), plus the MCP penalty when the problem has one.  Full-batch Adam, weights kept in
[min Q, max Q] of their grid after each step; deterministic for a given seed.

Where the penalty is applied (``penalty_on``): ``"rounded"`` adds P(q(w)), the penalty of the network the
forward pass uses; ``"latent"`` adds P(w), the penalty of the latent float weights.  The two differ in what
the gradient sees: with the default a = d / lam of a saturating MCP (a lam = d) the straight-through gradient
of P(q(w)) is P_lam'(q) = 0 at every grid point (0 at q = 0, saturated for |q| >= a lam), so the rounded form
trains as if unpenalized and returns a dense solution; P(w) pulls every latent weight with |w| < a lam towards
0 at rate lam - |w| / a, so small weights end below d / 2 and round to 0 (a sparse start).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from qtheory.problem import Problem
from qtheory.validation import check_choice, check_positive_int, check_positive_real


def _surrogate(torch, kind: str, f, y, n_out: int):
    """Mean differentiable surrogate of the loss over the sample (outputs f: (n, C))."""
    if n_out == 1:
        f1 = f[:, 0]
        if kind == "squared":
            return ((f1 - y) ** 2).mean()
        if kind == "hinge":
            return torch.relu(1.0 - y * f1).mean()
        return torch.nn.functional.softplus(-y * f1).mean()
    cls = y.long()
    if kind == "squared":
        target = torch.nn.functional.one_hot(cls, n_out).to(f.dtype)
        return ((f - target) ** 2).sum(dim=1).mean()
    if kind == "hinge":
        ft = f.gather(1, cls[:, None])[:, 0]
        others = f.masked_fill(torch.nn.functional.one_hot(cls, n_out).bool(), -float("inf"))
        return torch.relu(1.0 + others.max(dim=1).values - ft).mean()
    return torch.nn.functional.cross_entropy(f, cls)


def _mcp_torch():
    """P_lam(t) from qtheory.theory's sympy expression, compiled for torch tensors (differentiable a.e.)."""
    import sympy as sp

    from qtheory.theory import mcp
    from qtheory.theory.symbols import a, lam, t

    return sp.lambdify((t, a, lam), mcp(t), modules="torch")


PENALTY_ON = ("rounded", "latent")
DEFAULT_EPOCHS = 300
EpochCallback = Callable[[int], None]


def _train(problem: Problem, *, seed: int, epochs: int, lr: float, ste: bool, penalty_on: str = "rounded",
           progress: EpochCallback | None = None) -> np.ndarray:
    """The trained latent float weights (length p); ``progress`` is called with the epochs done after each."""
    import torch

    check_choice(penalty_on, "penalty_on", PENALTY_ON)
    seed = check_positive_int(seed, "seed", min_val=0)
    epochs = check_positive_int(epochs, "epochs")
    lr = check_positive_real(lr, "lr")
    net = problem.network
    gen = torch.Generator().manual_seed(seed)
    lo = torch.tensor([g.levels[0] for g in problem.param_grids], dtype=torch.float64)
    hi = torch.tensor([g.levels[-1] for g in problem.param_grids], dtype=torch.float64)
    layer_of = net.layer_of_param()
    # initial weights: N(0, 1/fan_in), clipped to the grid's range
    fan_in = np.array([net.layers[i] for i in layer_of], dtype=np.float64)
    w0 = torch.randn(problem.p, generator=gen, dtype=torch.float64) / torch.sqrt(torch.tensor(fan_in))
    w = torch.nn.Parameter(torch.maximum(torch.minimum(w0, hi), lo))
    X = torch.tensor(problem.train.X, dtype=torch.float64)
    y = torch.tensor(problem.train.y, dtype=torch.float64)
    acts = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
    act = acts[net.activation]
    pen = problem.penalty
    slices = [(lay, np.flatnonzero(layer_of == i)) for i, lay in enumerate(net.layout)]

    def quantize(x):
        # Grid.round (half-to-even) on each layer's grid; straight-through in the backward pass
        xs = x.detach().numpy()
        q = np.empty(problem.p)
        for i, (_, idx) in enumerate(slices):
            grid = problem.layer_grids[i]
            q[idx] = grid.values(grid.round(xs[idx]))
        return x + (torch.from_numpy(q) - x).detach()

    def forward(beta):
        h = X
        for i, (lay, _) in enumerate(slices):
            W = beta[lay.weight_start : lay.weight_start + lay.n_out * lay.n_in].reshape(lay.n_out, lay.n_in)
            h = h @ W.T
            if lay.bias_start is not None:
                h = h + beta[lay.bias_start : lay.bias_start + lay.n_out]
            if i < len(slices) - 1:
                h = act(h)
        return h

    if pen is not None:
        mcp_torch = _mcp_torch()
        a_t = torch.tensor(pen.a, dtype=torch.float64)
        lam_t = torch.tensor(pen.lam, dtype=torch.float64)
    opt = torch.optim.Adam([w], lr=lr)
    kind = problem.loss.kind
    for epoch in range(epochs):
        opt.zero_grad()
        beta = quantize(w) if ste else w
        obj = _surrogate(torch, kind, forward(beta), y, net.n_outputs)
        if pen is not None:
            obj = obj + mcp_torch(w if penalty_on == "latent" else beta, a_t, lam_t).sum()
        obj.backward()
        opt.step()
        with torch.no_grad():
            w.copy_(torch.maximum(torch.minimum(w, hi), lo))
        if progress is not None:
            progress(epoch + 1)
    return w.detach().numpy().copy()


def round_to_grid(problem: Problem, weights: np.ndarray) -> np.ndarray:
    """Integer codes of float weights, each rounded half-to-even on its parameter's grid (``Grid.round``)."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (problem.p,):
        raise ValueError(f"weights must have shape ({problem.p},), got {weights.shape}")
    out = np.empty(problem.p, dtype=np.int64)
    layer_of = problem.network.layer_of_param()
    for i, grid in enumerate(problem.layer_grids):
        sel = layer_of == i
        out[sel] = grid.round(weights[sel])
    return out


def train_float(problem: Problem, *, seed: int = 0, epochs: int = DEFAULT_EPOCHS, lr: float = 0.05,
                progress: EpochCallback | None = None) -> np.ndarray:
    """Float weights of the problem's network trained on the training sample (see the module doc)."""
    return _train(problem, seed=seed, epochs=epochs, lr=lr, ste=False, progress=progress)


def train_float_rounded(problem: Problem, *, seed: int = 0, epochs: int = DEFAULT_EPOCHS, lr: float = 0.05,
                        progress: EpochCallback | None = None) -> np.ndarray:
    """Codes of the float-trained weights rounded half-to-even to the grid (the "round" start of Q-CD)."""
    return round_to_grid(problem, train_float(problem, seed=seed, epochs=epochs, lr=lr, progress=progress))


def train_ste(problem: Problem, *, seed: int = 0, epochs: int = DEFAULT_EPOCHS, lr: float = 0.05,
              penalty_on: str = "rounded", progress: EpochCallback | None = None) -> np.ndarray:
    """Codes of the straight-through-estimator solution: the forward pass uses the rounded weights, the
    returned codes are the final latent weights rounded half-to-even (the "ste" start of Q-CD).
    ``penalty_on``: ``"rounded"`` (P(q(w))) or ``"latent"`` (P(w)); see the module docstring.  ``progress`` is
    called with the epochs done after each epoch."""
    return round_to_grid(problem, _train(problem, seed=seed, epochs=epochs, lr=lr, ste=True, penalty_on=penalty_on,
                                         progress=progress))
