"""Moves between drawn problems: neighbours for a directed search, extreme draws, and simplifications.

Every move maps a :class:`qtheory.strategies.CaseSpec` to another spec of the same
:class:`qtheory.strategies.ProblemSpace` (every value stays in the space's ranges, |Q|^p <= max_codes), so
a counterexample reached by moves is one the space could have drawn.

* :func:`neighbour` -- one small random change: a teacher code +-1, the data or teacher seed, n, N, the
  noise, K, the step d, the loss, a, a lam (or a U and a lam / d for ``penalty="smooth"``), nu, s, delta',
  the Q-CD starts; continuous knobs move by small and large relative steps or jump to an end of their range;
* :func:`extreme` -- the structured extremes where theorems tend to break: one or two parameters (a linear
  model), a noiseless teacher, the smallest n, and the knobs at the ends of their ranges (a U -> its upper
  end, a lam -> d, nu -> its upper end);
* :func:`simplifications` -- the simpler specs tried when shrinking a counterexample (fewer parameters,
  smaller K, n, N, codes towards zero, no noise);
* :func:`population_key` -- what identifies a population and the claim's knobs (everything but the data
  seed of the training sample).

On the analytic population (``[data] kind = "rademacher"``) the moves keep its linear model without bias
and its squared loss, move sigma where they would move the noise, and have no N or teacher seed to move.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any, Callable

import numpy as np

from qtheory.strategies import STEPS, CaseSpec, ProblemSpace, _n_params

_SEED_MAX = 2**16 - 1
#: an end of an open range is approached to this relative distance (a hypothesis such as d < a lam is strict)
EDGE = 1e-6


def population_key(spec: CaseSpec, ignore: tuple[str, ...] = ()) -> str:
    """The population and knobs of ``spec`` as a string: equal for two specs that differ only in the data
    seed of their training sample (and in the knobs named in ``ignore``)."""
    config = copy.deepcopy(spec.config)
    config["data"].pop("seed", None)
    knobs = {k: v for k, v in spec.knobs.items() if k not in ignore}
    return json.dumps([config, knobs], sort_keys=True, default=str)


def spec_key(spec: CaseSpec) -> str:
    """The whole spec as a string (problem file, training sample and knobs)."""
    return json.dumps([spec.config, spec.knobs], sort_keys=True, default=str)


# ===================================================================================== helpers
def _clone(spec: CaseSpec) -> tuple[dict, dict]:
    return copy.deepcopy(spec.config), copy.deepcopy(spec.knobs)


def _p(config: dict) -> int:
    return _n_params(config["model"])


def k_max(space: ProblemSpace, p: int) -> int:
    """The largest K with (2K + 1)^p <= max_codes (and K <= space.max_K)."""
    return max(space.min_K, min(space.max_K, int((space.max_codes ** (1.0 / p) - 1) / 2 + 1e-9)))


def _analytic(config: dict) -> bool:
    """Whether ``config`` draws from the analytic population (``[data] kind = "rademacher"``)."""
    return config["data"]["kind"] == "rademacher"


def _noise_key(config: dict) -> str:
    """The ``[data]`` key of the noise level: ``sigma`` on the analytic population, ``noise`` otherwise."""
    return "sigma" if _analytic(config) else "noise"


def _noise_range(space: ProblemSpace, loss_kind: str) -> tuple[float, float]:
    lo, hi = space.noise
    return (lo, hi if loss_kind == "squared" else min(hi, 0.5))


def _ratio_range(space: ProblemSpace, K: int) -> tuple[float, float]:
    return space.ratio if space.ratio is not None else (1.0, float(K))


def _move_real(x: float, lo: float, hi: float, rng: np.random.Generator) -> float:
    """x moved by a small or a large relative step, or to (just inside) an end of [lo, hi]."""
    u = rng.integers(6)
    if u == 0:
        return lo + EDGE * (hi - lo)
    if u == 1:
        return hi - EDGE * (hi - lo)
    step = (0.01, 0.05, 0.2, 0.5)[u - 2] * (hi - lo) * rng.choice((-1.0, 1.0))
    return float(min(hi, max(lo, x + step)))


def _fit_codes(codes: list, p: int, K: int) -> list[int]:
    codes = [int(max(-K, min(K, c))) for c in codes[:p]]
    return codes + [0] * (p - len(codes))


def _refit(config: dict, knobs: dict, space: ProblemSpace) -> None:
    """Make codes, starts, s, K and the penalty consistent after a change of the model or the grid."""
    p = _p(config)
    K = min(config["grid"]["K"], k_max(space, p))
    config["grid"]["K"] = K
    data = config["data"]
    data["teacher_codes"] = _fit_codes(data["teacher_codes"], p, K)
    knobs["starts"] = [s if s == "zero" else _fit_codes(s, p, K) for s in knobs["starts"]]
    knobs["s"] = max(1, min(int(knobs["s"]), p))
    lo, hi = _ratio_range(space, K)
    d = float(config["grid"]["step"])
    if "penalty" in config:
        a = config["penalty"]["a"]
        r = min(hi, max(lo, a * config["penalty"]["lam"] / d))
        config["penalty"]["lam"] = r * d / a
    if "ratio" in knobs:
        knobs["ratio"] = min(hi, max(lo, knobs["ratio"]))


# ===================================================================================== neighbours
def _mv_teacher_code(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    codes, K = config["data"]["teacher_codes"], config["grid"]["K"]
    j = int(rng.integers(len(codes)))
    codes[j] = int(max(-K, min(K, codes[j] + rng.choice((-1, 1)))))


def _mv_data_seed(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    config["data"]["seed"] = int(rng.integers(_SEED_MAX + 1))


def _mv_teacher_seed(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    config["data"]["teacher_seed"] = int(rng.integers(_SEED_MAX + 1))


def _mv_n(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    lo, hi = space.n
    n = config["data"]["n"]
    choice = rng.integers(4)
    n = lo if choice == 0 else n + int(rng.choice((-1, 1))) * max(1, int(round(n * (0.05, 0.25, 0.5)[choice - 1])))
    config["data"]["n"] = int(min(hi, max(lo, n)))


def _mv_N(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    lo, hi = space.N
    N = config["data"]["N"] + int(rng.choice((-1, 1))) * max(1, int(round(config["data"]["N"] * 0.2)))
    config["data"]["N"] = int(min(hi, max(lo, N)))


def _mv_noise(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    lo, hi = _noise_range(space, config["loss"]["kind"])
    key = _noise_key(config)
    config["data"][key] = float(_move_real(config["data"][key], lo, hi, rng))


def _mv_K(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    K = config["grid"]["K"] + int(rng.choice((-1, 1)))
    config["grid"]["K"] = int(min(k_max(space, _p(config)), max(space.min_K, K)))
    _refit(config, knobs, space)


def _mv_step(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    i = STEPS.index(config["grid"]["step"]) if config["grid"]["step"] in STEPS else 0
    i = int(min(len(STEPS) - 1, max(0, i + rng.choice((-1, 1)))))
    old = config["grid"]["step"]
    config["grid"]["step"] = STEPS[i]
    if "penalty" in config:  # keep a lam / d
        config["penalty"]["lam"] *= STEPS[i] / old


def _mv_loss(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    kind = "squared" if _analytic(config) else str(rng.choice(space.losses))
    config["loss"] = {"kind": "zero_one"} if kind == "zero_one" else {"kind": kind, "B": float(rng.choice(space.Bs))}
    lo, hi = _noise_range(space, kind)
    key = _noise_key(config)
    config["data"][key] = float(min(hi, max(lo, config["data"][key])))


def _mv_penalty(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    d, K = float(config["grid"]["step"]), config["grid"]["K"]
    lo, hi = _ratio_range(space, K)
    if knobs["penalty_mode"] == "smooth":
        name = str(rng.choice(("a_frac", "ratio", "a_free")))
        rng_lo, rng_hi = {"a_frac": space.a_frac, "ratio": (lo, hi), "a_free": space.a}[name]
        knobs[name] = _move_real(knobs[name], rng_lo, rng_hi, rng)
        return
    pen = config["penalty"]
    r = pen["a"] * pen["lam"] / d
    if rng.integers(2):
        pen["a"] = _move_real(pen["a"], *space.a, rng)
    else:
        r = _move_real(r, lo, hi, rng)
    pen["lam"] = r * d / pen["a"]


def _mv_nu(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    knobs["nu_frac"] = _move_real(knobs["nu_frac"], *space.nu_frac, rng)


def _mv_delta(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    knobs["delta"] = _move_real(knobs["delta"], *space.delta, rng)


def _mv_s(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    knobs["s"] = int(max(1, min(_p(config), knobs["s"] + rng.choice((-1, 1)))))


def _mv_starts(config: dict, knobs: dict, space: ProblemSpace, rng: np.random.Generator) -> None:
    K = config["grid"]["K"]
    randoms = [i for i, s in enumerate(knobs["starts"]) if s != "zero"]
    if randoms and rng.integers(2):
        s = knobs["starts"][int(rng.choice(randoms))]
        j = int(rng.integers(len(s)))
        s[j] = int(max(-K, min(K, s[j] + rng.choice((-1, 1)))))
    else:
        knobs["qcd_seed"] = int(rng.integers(_SEED_MAX + 1))
        knobs["order"] = str(rng.choice(("cyclic", "random")))


def _moves(spec: CaseSpec) -> list[Callable[..., None]]:
    space, knobs = spec.space, spec.knobs
    out = [_mv_teacher_code, _mv_teacher_code, _mv_data_seed, _mv_teacher_seed, _mv_n, _mv_N, _mv_noise, _mv_K,
           _mv_step, _mv_s, _mv_starts]
    if _analytic(spec.config):  # the analytic population has no support size N and its teacher is given
        out = [mv for mv in out if mv not in (_mv_teacher_seed, _mv_N)]
    if len(space.Bs) > 1 or (len(space.losses) > 1 and not _analytic(spec.config)):
        out.append(_mv_loss)
    if knobs["penalty_mode"] != "none":
        out += [_mv_penalty, _mv_penalty, _mv_penalty]
    if knobs["nu_mode"] != "zero":
        out += [_mv_nu, _mv_nu]
    out.append(_mv_delta)
    return out


def neighbour(spec: CaseSpec, rng: np.random.Generator, moves: int = 1) -> CaseSpec:
    """``spec`` changed by ``moves`` random moves (module doc)."""
    config, knobs = _clone(spec)
    options = _moves(spec)
    for _ in range(moves):
        options[int(rng.integers(len(options)))](config, knobs, spec.space, rng)
    return CaseSpec(config, knobs, spec.space)


# ===================================================================================== extremes
def _smallest_model(space: ProblemSpace, rng: np.random.Generator, analytic: bool = False) -> dict | None:
    """A linear model with one or two parameters allowed by ``space`` (None if the space has none); on the
    analytic population (``analytic``) one or two inputs without bias."""
    if analytic:
        inputs = 1 + int(rng.integers(min(2, space.max_inputs)))
        return {"kind": "linear", "layers": [inputs, 1], "activation": "tanh", "bias": False}
    if "linear" not in space.models:
        return None
    options = [(1, False)]
    if True in space.bias:
        options.append((1, True))
    if space.max_inputs >= 2:
        options.append((2, False))
    if False not in space.bias:
        options = [(i, True) for i, _ in options if i == 1]
    inputs, bias = options[int(rng.integers(len(options)))]
    return {"kind": "linear", "layers": [inputs, 1], "activation": str(rng.choice(space.activations)), "bias": bias}


def extreme(spec: CaseSpec, rng: np.random.Generator, noisy: bool = False) -> CaseSpec:
    """A structured extreme draw built from ``spec``: one or two parameters (when the space has linear models),
    a noiseless teacher and the smallest n (each with probability 3/4), and each continuous knob at an end of
    its range with probability 1/2 (a U at its upper end, a lam -> d or -> R, nu -> its upper end, ...).
    ``noisy`` (for claims about the chance of a sample, where a noiseless teacher leaves little to chance):
    the noise at its upper end with probability 1/2 and at its lower end with probability 1/4."""
    config, knobs = _clone(spec)
    space = spec.space
    model = _smallest_model(space, rng, _analytic(config))
    if model is not None and rng.random() < 0.75:
        config["model"] = model
    u = rng.random()
    if u < 0.75:
        low = u >= 0.5 if noisy else True
        config["data"][_noise_key(config)] = float(space.noise[0] if low else space.noise[1])
    if rng.random() < 0.75:
        config["data"]["n"] = int(space.n[0] + rng.integers(min(3, space.n[1] - space.n[0] + 1)))
    if rng.random() < 0.5:
        config["grid"]["K"] = int(rng.integers(space.min_K, k_max(space, _p(config)) + 1))
    _refit(config, knobs, space)
    d, K = float(config["grid"]["step"]), config["grid"]["K"]
    lo_r, hi_r = _ratio_range(space, K)

    def edge(lo: float, hi: float, x: float) -> float:
        u = rng.random()
        if u < 0.25:
            return lo + EDGE * (hi - lo)
        if u < 0.5:
            return hi - EDGE * (hi - lo)
        return x

    if knobs["penalty_mode"] == "smooth":
        knobs["a_frac"] = edge(*space.a_frac, knobs["a_frac"])
        knobs["ratio"] = edge(lo_r, hi_r, knobs["ratio"])
    elif knobs["penalty_mode"] == "free":
        pen = config["penalty"]
        ratio = pen["a"] * pen["lam"] / d  # a lam / d before a moves
        pen["a"] = edge(*space.a, pen["a"])
        pen["lam"] = edge(lo_r, hi_r, ratio) * d / pen["a"]
    if "nu_frac" in knobs:
        knobs["nu_frac"] = edge(*space.nu_frac, knobs["nu_frac"])
    knobs["delta"] = edge(*space.delta, knobs["delta"])
    return CaseSpec(config, knobs, space)


# ===================================================================================== simplifications
def simplifications(spec: CaseSpec) -> list[CaseSpec]:
    """Simpler specs of the same space, most aggressive first (used to shrink a counterexample)."""
    space = spec.space
    out: list[CaseSpec] = []

    def variant(change: Callable[[dict, dict], None]) -> None:
        config, knobs = _clone(spec)
        change(config, knobs)
        _refit(config, knobs, space)
        new = CaseSpec(config, knobs, space)
        if spec_key(new) != spec_key(spec):
            out.append(new)

    model = spec.config["model"]
    analytic = _analytic(spec.config)
    if analytic and model["layers"][0] > 1:
        variant(lambda c, k: c["model"].update(layers=[1, 1]))
    if "linear" in space.models and not analytic:
        for inputs, bias in ((1, False), (1, True), (2, False)):
            if inputs <= space.max_inputs and bias in space.bias and _n_params(
                {"kind": "linear", "layers": [inputs, 1], "activation": model["activation"], "bias": bias}
            ) < _p(spec.config):
                variant(lambda c, k, i=inputs, b=bias: c.update(
                    model={"kind": "linear", "layers": [i, 1], "activation": c["model"]["activation"], "bias": b}))
    if model["kind"] == "mlp" and model["layers"][1] > 1:
        variant(lambda c, k: c["model"].update(layers=[c["model"]["layers"][0], 1, 1]))
    if model["layers"][0] > 1:
        variant(lambda c, k: c["model"].update(layers=[1] + c["model"]["layers"][1:]))
    if model["bias"] and False in space.bias:
        variant(lambda c, k: c["model"].update(bias=False))
    if spec.config["grid"]["K"] > space.min_K:
        variant(lambda c, k: c["grid"].update(K=space.min_K))
        variant(lambda c, k: c["grid"].update(K=c["grid"]["K"] - 1))
    data = spec.config["data"]
    for name, lo in (("n", space.n[0]), ("N", space.N[0])):
        if name in data and data[name] > lo:
            variant(lambda c, k, nm=name, lo_=lo: c["data"].update({nm: lo_}))
            variant(lambda c, k, nm=name, lo_=lo: c["data"].update({nm: max(lo_, c["data"][nm] // 2)}))
            variant(lambda c, k, nm=name, lo_=lo: c["data"].update({nm: c["data"][nm] - 1}))
    noise = _noise_key(spec.config)
    if data[noise] > space.noise[0]:
        variant(lambda c, k: c["data"].update({noise: float(space.noise[0])}))
    for j, code in enumerate(data["teacher_codes"]):
        if code != 0:
            variant(lambda c, k, j_=j: c["data"]["teacher_codes"].__setitem__(j_, 0))
            variant(lambda c, k, j_=j: c["data"]["teacher_codes"].__setitem__(j_, c["data"]["teacher_codes"][j_] - int(math.copysign(1, c["data"]["teacher_codes"][j_]))))
    for name in ("seed", "teacher_seed"):
        if data.get(name, 0) != 0:
            variant(lambda c, k, nm=name: c["data"].update({nm: 0}))
    if any(s != "zero" for s in spec.knobs["starts"]) and "zero" in space.starts:
        variant(lambda c, k: k.update(starts=["zero"]))
    if len(spec.knobs["starts"]) > 1:
        variant(lambda c, k: k.update(starts=k["starts"][:1]))
    if spec.knobs["s"] > 1:
        variant(lambda c, k: k.update(s=1))
    return out


__all__ = ["EDGE", "extreme", "k_max", "neighbour", "population_key", "simplifications", "spec_key"]
