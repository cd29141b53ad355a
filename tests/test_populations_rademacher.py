"""The analytic population R(p, beta*, sigma, B) (docs/theory.md section 5): E1 against brute force, E2 against
enumeration, the exact risk at p = 10^5 against Monte Carlo, and the problem file's bad-input errors."""

import itertools
import math

import numpy as np
import pytest
from scipy import integrate

from qtheory.cli import main
from qtheory.populations.rademacher import RademacherFamily, gaussian_h, two_point_h
from qtheory.problem import problem_from_config


def _h_quadrature(c: float, sigma: float, B: float) -> float:
    """E min((c + e)^2, B), e ~ N(0, sigma^2), by numerical quadrature (split at the clip points)."""
    if sigma == 0:
        return min(c * c, B)
    dens = lambda e: math.exp(-0.5 * (e / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    r = math.sqrt(B)
    lo, hi = -r - c, r - c  # |c + e| <= r  <=>  e in [lo, hi]
    inner = integrate.quad(lambda e: (c + e) ** 2 * dens(e), lo, hi, epsabs=1e-13, epsrel=1e-12)[0]
    tails = integrate.quad(dens, -np.inf, lo, epsabs=1e-14)[0] + integrate.quad(dens, hi, np.inf, epsabs=1e-14)[0]
    return inner + B * tails


def _brute_force_risk(fam: RademacherFamily, codes: np.ndarray) -> float:
    """L(beta) = 2^-p sum over every x in {-1, +1}^p of E min((d x.Delta + e)^2, B), e by quadrature."""
    delta = codes - fam.teacher
    cache: dict[int, float] = {}
    total = 0.0
    for x in itertools.product((-1, 1), repeat=fam.p):
        z = int(np.dot(x, delta))
        if z not in cache:
            cache[z] = _h_quadrature(fam.d * z, fam.sigma, fam.B)
        total += cache[z]
    return total / 2**fam.p


@pytest.mark.parametrize("c", [-3.0, -1.1, 0.0, 0.4, 1.9, 5.0])
@pytest.mark.parametrize("sigma,B", [(0.3, 1.0), (1.0, 4.0), (2.5, 2.0), (0.05, 9.0)])
def test_h_closed_form_equals_quadrature(c, sigma, B):
    assert gaussian_h(np.array([c]), sigma, B)[0] == pytest.approx(_h_quadrature(c, sigma, B), abs=1e-10)


@pytest.mark.parametrize("p,K,sigma,B,seed", [(12, 1, 0.5, 1.0, 0), (10, 2, 1.0, 4.0, 1), (8, 3, 0.3, 2.0, 2),
                                              (9, 2, 0.0, 3.0, 3), (11, 1, 2.0, 0.5, 4)])
def test_E1_equals_brute_force_over_all_inputs(p, K, sigma, B, seed):
    rng = np.random.default_rng(seed)
    teacher = rng.integers(-K, K + 1, p) * (rng.random(p) < 0.4)
    fam = RademacherFamily(teacher, K, 0.35, sigma, B)
    batch = rng.integers(-K, K + 1, (3, p))
    batch[0] = teacher  # Delta = 0
    exact = fam.risk(batch)
    for codes, value in zip(batch, exact):
        assert value == pytest.approx(_brute_force_risk(fam, codes), abs=1e-9)
    assert fam.risk(batch[1]) == exact[1]


def test_E1_two_point_noise_equals_brute_force():
    fam = RademacherFamily(np.array([1, 0, -1, 0, 0, 1]), 1, 0.5, 0.7, 1.0, noise="two_point")
    codes = np.array([0, 1, -1, 1, 0, 0])
    delta = codes - fam.teacher
    brute = np.mean([two_point_h(np.array([0.5 * np.dot(x, delta)]), 0.7, 1.0)[0]
                     for x in itertools.product((-1, 1), repeat=6)])
    assert fam.risk(codes) == pytest.approx(brute, abs=1e-14)


@pytest.mark.parametrize("p,K,sigma,B", [(3, 2, 0.4, 1.0), (4, 1, 1.5, 2.0), (3, 2, 0.0, 0.5), (2, 3, 0.8, 0.3)])
def test_E2_teacher_risk_is_the_enumerated_minimum(p, K, sigma, B):
    rng = np.random.default_rng(p * 10 + K)
    teacher = rng.integers(-K, K + 1, p)
    fam = RademacherFamily(teacher, K, 0.5, sigma, B)
    every = np.array(list(itertools.product(range(-K, K + 1), repeat=p)))
    risks = fam.risk(every)
    assert fam.L_star() == pytest.approx(risks.min(), abs=1e-13)
    assert risks.min() >= fam.L_star() - 1e-13
    assert np.array_equal(every[np.argmin(risks)], teacher) or risks.min() == pytest.approx(fam.L_star(), abs=1e-13)


def test_E2_fails_for_two_point_noise_so_L_star_is_refused():
    # e = +-sigma with the clip active (B < sigma^2): beta = beta* + d e_1 has a LOWER risk than the teacher
    fam = RademacherFamily(np.array([0, 0]), 2, 1.0, 2.0, 1.0, noise="two_point")
    other = fam.risk(np.array([2, 0]))  # z = +-2 cancels the noise half of the time
    assert other < fam.teacher_risk() - 0.1
    with pytest.raises(ValueError, match="data.noise"):
        fam.L_star()


def test_exact_risk_of_a_dense_beta_at_p_1e5_matches_monte_carlo():
    """K = 1, sigma > 0, a dense beta: E1 against 10^4 directly drawn sign vectors (4 standard errors)."""
    p, K, d, sigma, B = 100_000, 1, 0.006, 0.5, 2.0
    rng = np.random.default_rng(2024)
    teacher = rng.integers(-K, K + 1, p) * (rng.random(p) < 1e-4)
    fam = RademacherFamily(teacher, K, d, sigma, B)
    codes = rng.integers(-K, K + 1, p)  # dense: ~2p/3 non-zeros
    exact = fam.risk(codes)
    delta = (codes - teacher).astype(np.float32)
    losses = []
    for _ in range(20):  # 20 x 500 = 10^4 draws; x_j = 2 bit_j - 1 with uniform random bits
        bits = np.unpackbits(rng.integers(0, 256, size=(500, p // 8), dtype=np.uint8), axis=1)
        z = bits.astype(np.float32) @ (2 * delta) - delta.sum()  # exact: integers below 2^24
        losses.append(np.minimum((d * z.astype(np.float64) + sigma * rng.standard_normal(500)) ** 2, B))
    losses = np.concatenate(losses)
    se = losses.std(ddof=1) / math.sqrt(losses.size)
    assert 0.1 * B < exact < 0.9 * B  # the clip binds on a good share of the draws: a test of the clip too
    assert abs(exact - losses.mean()) <= 4 * se


# ------------------------------------------------------------------------------ problem files
def _cfg(**data):
    base = {"kind": "rademacher", "p": 6, "n": 40, "teacher_nonzeros": 2, "sigma": 0.5}
    base.update(data)
    return {"grid": {"K": 2, "step": 0.5}, "model": {"kind": "linear"}, "loss": {"kind": "squared", "B": 4.0},
            "data": {k: v for k, v in base.items() if v is not None}, "penalty": {"a": 0.45, "lam": 0.9}}


def test_problem_file_builds_the_family_and_its_sample():
    pb = problem_from_config(_cfg(seed=3))
    assert pb.train.X.dtype == np.int8 and set(np.unique(pb.train.X)) == {-1, 1}
    assert pb.family.s_star == 2 and pb.p == 6 and pb.n == 40
    t = pb.family.teacher
    # y = d X m* + e: the residual of the teacher is the noise alone
    noise = pb.train.y - 0.5 * pb.train.X.astype(float) @ t
    assert 0.2 < noise.std() < 0.9
    again = problem_from_config(_cfg(seed=3))
    assert np.array_equal(again.train.X, pb.train.X) and np.array_equal(again.train.y, pb.train.y)
    assert pb.population_risk(t) == pytest.approx(pb.L_star())
    assert float(pb.empirical_risk(t)) == pytest.approx(float(np.mean(np.minimum(noise**2, 4.0))), abs=1e-14)


def _toml(cfg: dict) -> str:
    """A problem file's text (tables of scalars, strings and lists)."""
    lines = []
    for table, entries in cfg.items():
        lines.append(f"[{table}]")
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in entries.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("data,key", [({"p": 0}, "data.p"), ({"p": 10**8}, "data.p"), ({"sigma": -1.0}, "data.sigma"),
                                      ({"teacher_nonzeros": None, "teacher_codes": [0, 0, 3, 0, 0, 0]},
                                       "data.teacher_codes[2]"),
                                      ({"noise": "laplace"}, "data.noise"), ({"n": 20_000, "p": 10**6}, "data.n")])
def test_bad_input_names_the_key(tmp_path, capsys, data, key):
    path = tmp_path / "bad.toml"
    path.write_text(_toml(_cfg(**data)))
    assert main(["certify", str(path), "--codes", "0", "--nu", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and key in err, err


def test_bad_grid_K_names_the_key(tmp_path, capsys):
    cfg = _cfg()
    cfg["grid"] = {"K": 5000, "step": 0.1}
    path = tmp_path / "bad.toml"
    path.write_text(_toml(cfg))
    assert main(["qcd", str(path), "--nu", "0"]) == 2
    assert "grid.K" in capsys.readouterr().err


def test_solve_population_objective_is_the_teacher_by_E2_and_refused_without_it():
    from qtheory.solve.dispatch import solve_problem

    pb = problem_from_config(_cfg(seed=1))
    sol = solve_problem(pb, objective="population")
    assert sol.certified and np.array_equal(sol.codes, pb.family.teacher) and sol.objective == pb.L_star()
    others = np.random.default_rng(0).integers(-2, 3, (300, pb.p))
    assert pb.population_risk(others).min() >= sol.objective - 1e-13
    with pytest.raises(ValueError, match="data.noise"):
        solve_problem(problem_from_config(_cfg(noise="two_point")), objective="population")
