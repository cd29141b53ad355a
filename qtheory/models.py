"""Toy networks whose parameters are integer codes on quantization grids.

Parameter order (the problem-file convention): layer by layer, the (out, in) weight matrix row-major, then
that layer's biases.  A linear model is a single affine layer f(x) = W x + b; an MLP applies the hidden
activation after every layer but the last (the output layer is affine).

Forward passes take parameter *values* beta (the problem converts codes to values); ``forward_batch`` runs
many parameter vectors at once, the enumeration's reference path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qtheory.validation import check_choice, check_positive_int

ACTIVATIONS = ("tanh", "relu", "sigmoid")
MODEL_KINDS = ("linear", "mlp")


def activate(z: np.ndarray, activation: str) -> np.ndarray:
    """sigma(z) for sigma in {tanh, relu, sigmoid}; sigmoid(z) = (1 + tanh(z/2))/2 (overflow-free)."""
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    raise ValueError(f"activation == {activation!r}, must be one of {', '.join(map(repr, ACTIVATIONS))}")


@dataclass(frozen=True)
class LayerLayout:
    """Where one layer's parameters sit in the flat parameter vector."""

    n_out: int
    n_in: int
    weight_start: int  # W[o, i] is parameter weight_start + o * n_in + i
    bias_start: int | None  # b[o] is parameter bias_start + o (None without biases)

    @property
    def size(self) -> int:
        return self.n_out * self.n_in + (self.n_out if self.bias_start is not None else 0)

    def unit_params(self, o: int) -> list[int]:
        """Parameter indices feeding output unit o: its weight row, then its bias."""
        idx = list(range(self.weight_start + o * self.n_in, self.weight_start + (o + 1) * self.n_in))
        if self.bias_start is not None:
            idx.append(self.bias_start + o)
        return idx


@dataclass(frozen=True)
class Network:
    """A linear model or an MLP. ``layers = [inputs, hidden..., outputs]`` (a linear model has two entries)."""

    kind: str
    layers: tuple[int, ...]
    activation: str = "tanh"
    bias: bool = False

    def __post_init__(self) -> None:
        check_choice(self.kind, "model.kind", MODEL_KINDS)
        check_choice(self.activation, "model.activation", ACTIVATIONS)
        if len(self.layers) < 2:
            raise ValueError(f"model.layers must list at least [inputs, outputs], got {list(self.layers)}")
        for i, width in enumerate(self.layers):
            check_positive_int(width, f"model.layers[{i}]")
        if self.kind == "linear" and len(self.layers) != 2:
            raise ValueError(f"model.layers for kind 'linear' must be [inputs, outputs], got {list(self.layers)}")
        if self.kind == "mlp" and len(self.layers) < 3:
            raise ValueError(f"model.layers for kind 'mlp' needs at least one hidden layer, got {list(self.layers)}")

    @classmethod
    def linear(cls, inputs: int, outputs: int = 1, bias: bool = False) -> "Network":
        return cls("linear", (inputs, outputs), "tanh", bias)

    @classmethod
    def mlp(cls, layers: list[int] | tuple[int, ...], activation: str = "tanh", bias: bool = False) -> "Network":
        return cls("mlp", tuple(int(w) for w in layers), activation, bias)

    @property
    def layout(self) -> list[LayerLayout]:
        out, start = [], 0
        for n_in, n_out in zip(self.layers[:-1], self.layers[1:]):
            bias_start = start + n_out * n_in if self.bias else None
            out.append(LayerLayout(n_out, n_in, start, bias_start))
            start += out[-1].size
        return out

    @property
    def n_params(self) -> int:
        """p, the number of parameters (weights and biases)."""
        return sum(layer.size for layer in self.layout)

    @property
    def n_inputs(self) -> int:
        return self.layers[0]

    @property
    def n_outputs(self) -> int:
        return self.layers[-1]

    def layer_of_param(self) -> np.ndarray:
        """For each parameter, the index of its layer."""
        return np.concatenate([np.full(layer.size, i) for i, layer in enumerate(self.layout)])

    def forward(self, beta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """f(x; beta) for every row of X: shape (n, outputs)."""
        return self.forward_batch(np.asarray(beta, dtype=np.float64)[None, :], X)[0]

    def forward_batch(self, betas: np.ndarray, X: np.ndarray) -> np.ndarray:
        """f(x; beta) for m parameter vectors (rows of ``betas``) and every row of X: shape (m, n, outputs)."""
        betas = np.asarray(betas, dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        if betas.ndim != 2 or betas.shape[1] != self.n_params:
            raise ValueError(f"betas must have shape (m, {self.n_params}), got {betas.shape}")
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have shape (n, {self.n_inputs}), got {X.shape}")
        m = betas.shape[0]
        if m == 1:  # plain 2-D products (BLAS) for a single parameter vector
            return self._forward_single(betas[0], X)[None]
        h = np.broadcast_to(X, (m,) + X.shape)
        layout = self.layout
        for i, layer in enumerate(layout):
            W = betas[:, layer.weight_start : layer.weight_start + layer.n_out * layer.n_in]
            W = W.reshape(m, layer.n_out, layer.n_in)
            z = h @ W.transpose(0, 2, 1)
            if layer.bias_start is not None:
                z = z + betas[:, None, layer.bias_start : layer.bias_start + layer.n_out]
            h = activate(z, self.activation) if i < len(layout) - 1 else z
        return h

    def _forward_single(self, beta: np.ndarray, X: np.ndarray) -> np.ndarray:
        h = X
        layout = self.layout
        for i, layer in enumerate(layout):
            W = beta[layer.weight_start : layer.weight_start + layer.n_out * layer.n_in].reshape(layer.n_out, layer.n_in)
            z = h @ W.T
            if layer.bias_start is not None:
                z = z + beta[layer.bias_start : layer.bias_start + layer.n_out]
            h = activate(z, self.activation) if i < len(layout) - 1 else z
        return h

    def describe(self) -> str:
        arch = "-".join(str(w) for w in self.layers)
        extra = "" if self.kind == "linear" else f" {self.activation}"
        return f"{self.kind} {arch}{extra}{' with biases' if self.bias else ''} (p={self.n_params})"
