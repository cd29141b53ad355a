"""Mutation score of the claim-level tests: a fixed list of mutants of the theory and the core, applied one at
a time to a temporary copy of the package, each run against the tests marked ``claim`` only (never the
transcription tests that compare a formula with a second typing of it).

A mutant is *killed* when a claim test fails.  Each mutant carries its expected class:

* ``false``: the mutated statement (or algorithm) is false; the target is that every such mutant is killed;
* ``conservative``: the mutated bound is larger, or the mutated claim weaker, than the true one: it stays
  true, and surviving is correct;
* ``equivalent``: no observable change for any admissible input (the reason is given);
* ``unrefuted``: the statement becomes smaller than the proof gives, but no construction we can build (with
  exact probabilities) makes it fail: the proof's slack there is larger than the change.  A survivor of
  this class is reported as such, not as harmless.

Usage (not run by CI; about 20-40 s per mutant on two cores)::

    python benchmarks/mutation.py              # every mutant, print killed/total and each survivor
    python benchmarks/mutation.py --jobs 2     # two mutants at a time
    python benchmarks/mutation.py --only D_4n  # chosen mutants
    python benchmarks/mutation.py --power      # the power of each claim test on the unmutated code
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ("qtheory", "proofs_check", "tests", "pyproject.toml")


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    kind: str  # false | conservative | equivalent | unrefuted
    why: str


T = "qtheory/theory/"
MUTANTS: list[Mutant] = [
    # ---- section 1 quantities
    Mutant("D_4n", T + "quantities.py", "log_confidence(extra_log)) / (2 * n))", "log_confidence(extra_log)) / (4 * n))",
           "false", "D(k) with 1/(4n): L1 fails at the zero vector (exact binomial 0.0149 > 0.01)"),
    Mutant("D_8n", T + "quantities.py", "log_confidence(extra_log)) / (2 * n))", "log_confidence(extra_log)) / (8 * n))",
           "false", "Hoeffding's exponent 2 n t^2 replaced by 8 n t^2 (radius halved)"),
    Mutant("D_n", T + "quantities.py", "log_confidence(extra_log)) / (2 * n))", "log_confidence(extra_log)) / n)",
           "conservative", "Hoeffding's exponent n t^2: a larger radius"),
    Mutant("D_no_ln_p", T + "quantities.py", "LOG_PQ = sp.log(p) + sp.log(Qsize)", "LOG_PQ = sp.log(Qsize)",
           "false", "ln(p|Q|) without ln p: the union over C(p,k)(|Q|-1)^k points is not paid"),
    Mutant("D_no_k_term", T + "quantities.py", "B * sp.sqrt((kk * LOG_PQ + log_confidence",
           "B * sp.sqrt((0 * kk * LOG_PQ + log_confidence", "false", "a radius with no complexity term"),
    Mutant("conf_no_2", T + "quantities.py", "return sp.log(2) + sp.log(p + 1) - sp.log(delta) + extra",
           "return sp.log(p + 1) - sp.log(delta) + extra", "unrefuted",
           "ln((p+1)/delta') without Hoeffding's two-sided 2: the exact binomial tail of the worst case sits "
           "several times below 2 exp(-2 n t^2), more than the factor 2 lost"),
    Mutant("conf_no_p1", T + "quantities.py", "return sp.log(2) + sp.log(p + 1) - sp.log(delta) + extra",
           "return sp.log(2) - sp.log(delta) + extra", "unrefuted",
           "ln(2/delta') without the union over the p+1 sparsity levels: the levels use only about "
           "e/(p+1) of their budget together, so the union over k is loose by that factor"),
    Mutant("dense_8n", T + "quantities.py", "(p * sp.log(Qsize) + sp.log(2) - sp.log(delta)) / (2 * n))",
           "(p * sp.log(Qsize) + sp.log(2) - sp.log(delta)) / (8 * n))", "false", "D_dense halved"),
    Mutant("dense_no_2", T + "quantities.py", "(p * sp.log(Qsize) + sp.log(2) - sp.log(delta)) / (2 * n))",
           "(p * sp.log(Qsize) - sp.log(delta)) / (2 * n))", "unrefuted",
           "D_dense with ln(1/delta'): the two complementary hypotheses deviate together, so only the "
           "one-sided tail counts and the factor 2 is slack"),
    Mutant("A_4n", T + "quantities.py", "A_CONST = B**2 * LOG_PQ / (2 * n)", "A_CONST = B**2 * LOG_PQ / (4 * n)",
           "unrefuted", "A halved: changes only A/(4 pi_min), A/(4 c_Q) in A and B, slack on every construction"),
    Mutant("C0_4n", T + "quantities.py", "C0_CONST = B**2 * log_confidence() / (2 * n)",
           "C0_CONST = B**2 * log_confidence() / (8 * n)", "false", "sqrt(C0) halved in A and B"),
    Mutant("pi_min_no_quad", T + "quantities.py", "PI_MIN = lam * d - d**2 / (2 * a)", "PI_MIN = lam * d",
           "unrefuted", "pi_min = lam d (> P_lam(d)): only A/(4 pi_min) shrinks, slack on the constructions"),
    Mutant("pi_min_cap", T + "quantities.py", "PI_MIN = lam * d - d**2 / (2 * a)", "PI_MIN = a * lam**2 / 2",
           "unrefuted", "pi_min = the cap: the sparsity term A/(4 pi_min) is slack when the bad point is 0"),
    Mutant("pi_min_smaller", T + "quantities.py", "PI_MIN = lam * d - d**2 / (2 * a)", "PI_MIN = lam * d - d**2 / a",
           "conservative", "a smaller pi_min: a larger bound"),
    Mutant("c_Q_cap", T + "quantities.py", "C_Q = a * lam**2 / 2 - d**2 / (2 * a)", "C_Q = a * lam**2 / 2",
           "false", "c_Q = a lam^2/2: L2's P(beta^) >= c_Q ||beta^||_0 fails one step above a lam - d"),
    Mutant("mcp_curv", T + "quantities.py",
           "return sp.Piecewise((lam * sp.Abs(x) - x**2 / (2 * a), sp.Abs(x) <= a * lam), (a * lam**2 / 2, True))",
           "return sp.Piecewise((lam * sp.Abs(x) - x**2 / (4 * a), sp.Abs(x) <= a * lam), (a * lam**2 / 2, True))",
           "false", "MCP with second difference -d^2/(2a): L2's proof needs -d^2/a"),
    Mutant("mcp_cap", T + "quantities.py", "(a * lam**2 / 2, True))", "(a * lam**2 / 4, True))",
           "false", "MCP capped at a lam^2/4 (discontinuous)"),
    # ---- results
    Mutant("A0_one_D", T + "bounds.py", "value=Gamma + 2 * DENSE_RADIUS,", "value=Gamma + DENSE_RADIUS,",
           "false", "A0 with one D_dense (two complementary hypotheses: 0.07 > 0.05 at n = 10^4)"),
    Mutant("A0_no_Gamma", T + "bounds.py", "value=Gamma + 2 * DENSE_RADIUS,", "value=2 * DENSE_RADIUS,",
           "false", "A0 without Gamma"),
    Mutant("T_cap_half", T + "bounds.py", '"s a lam^2/2": s * a * lam**2 / 2,', '"s a lam^2/2": s * a * lam**2 / 4,',
           "false", "A and B charge half the reference's penalty"),
    Mutant("T_no_sqrtC0", T + "bounds.py", '"D(s)": radius(s), "sqrt(C0)": sp.sqrt(C0_CONST),',
           '"D(s)": radius(s), "sqrt(C0)": 0 * sp.sqrt(C0_CONST),',
           "false", "A and B without sqrt(C0)"),
    Mutant("A_sparsity_8", T + "bounds.py", "value=T_EXPR + A_CONST / (4 * PI_MIN),",
           "value=T_EXPR + A_CONST / (8 * PI_MIN),", "unrefuted",
           "A/(8 pi_min): the sparsity term is slack on every construction"),
    Mutant("B_sparsity_8", T + "bounds.py", "value=T_EXPR + A_CONST / (4 * C_Q),",
           "value=T_EXPR + A_CONST / (8 * C_Q),", "unrefuted",
           "A/(8 c_Q): the sparsity term is slack on every construction"),
    Mutant("B_nnz_bound", T + "bounds.py", '"sparsity_bound": 2 * T_EXPR / C_Q + A_CONST / C_Q**2',
           '"sparsity_bound": T_EXPR / C_Q', "unrefuted",
           "||beta^||_0 <= T/c_Q: no claim test builds a solution with many non-zeros"),
    Mutant("L2_nu_no_half", T + "bounds.py", '"nu < (1/a - U)*d^2/2": sp.Lt(nu, (1 / a - U) * d**2 / 2),',
           '"nu < (1/a - U)*d^2/2": sp.Lt(nu, (1 / a - U) * d**2),', "false",
           "L2's nu limit without /2 (one weight, U_Q = 2, a = 0.45, a lam = 2.5 d)"),
    Mutant("L2_nu_le", T + "bounds.py", '"nu < (1/a - U)*d^2/2": sp.Lt(nu, (1 / a - U) * d**2 / 2),',
           '"nu < (1/a - U)*d^2/2": sp.Le(nu, (1 / a - U) * d**2 / 2),', "false",
           "nu <= the limit: at nu = the limit a point with both neighbours exactly nu below is nu-local"),
    Mutant("L2_aU_2", T + "bounds.py", '"a*U < 1": sp.Lt(a * U, 1),', '"a*U < 1": sp.Lt(a * U, 2),',
           "equivalent", "a U < 1 follows from 0 <= nu < (1/a - U) d^2/2, which needs 1/a - U > 0"),
    Mutant("L2_R_2R", T + "bounds.py", '"a*lam <= R": sp.Le(a * lam, GRID_RANGE),',
           '"a*lam <= R": sp.Le(a * lam, 2 * GRID_RANGE),', "false",
           "a lam up to 2R: the last code has one neighbour and can be local inside the window"),
    Mutant("L2_threshold_alam", T + "local.py", "value=a * lam - d,", "value=a * lam,", "false",
           "threshold a lam: a local point one step above a lam - d exists"),
    Mutant("L2_threshold_2d", T + "local.py", "value=a * lam - d,", "value=a * lam - 2 * d,", "conservative",
           "a weaker claim (|beta^_j| > a lam - 2d)"),
    Mutant("C_half", T + "local.py", "value=sp.Piecewise((F0 / nu, nu > 0), (sp.oo, True)),",
           "value=sp.Piecewise((F0 / (2 * nu), nu > 0), (sp.oo, True)),", "false", "C's move bound halved"),
    Mutant("V1_no_sqrt_n", T + "variants.py", "V1_COMPLEXITY = (k * LOG_PQ + log_confidence(sp.log(n) / 2 + sp.log(M)))",
           "V1_COMPLEXITY = (k * LOG_PQ + log_confidence(sp.log(M)))", "unrefuted",
           "V1 without Maurer's 2 sqrt(n): for Bernoulli losses the lower tail is a factor ~sqrt(n) below "
           "exp(-n kl), which covers the missing term"),
    Mutant("V1_no_lnM", T + "variants.py", "V1_COMPLEXITY = (k * LOG_PQ + log_confidence(sp.log(n) / 2 + sp.log(M)))",
           "V1_COMPLEXITY = (k * LOG_PQ + log_confidence(sp.log(n) / 2))", "false", "V1 without V2's ln M"),
    Mutant("V4_no_lnM", T + "variants.py", "V4_COMPLEXITY = (EXACT_COUNT + log_confidence(sp.log(n) / 2 + sp.log(M)))",
           "V4_COMPLEXITY = (EXACT_COUNT + log_confidence(sp.log(n) / 2))", "false", "V4 without V2's ln M"),
    Mutant("V2_no_lnM", T + "variants.py", "value=radius(k, sp.log(M)),", "value=radius(k),", "false",
           "V2's radius without ln M"),
    Mutant("V3_quarter", T + "variants.py", "value=Linf * d / 2,", "value=Linf * d / 4,", "false", "V3's bias d/4"),
    Mutant("klinv_q0", T + "kl.py", "out = np.where(q == 0, -np.expm1(-c), r)", "out = np.where(q == 0, -np.expm1(-c / 2), r)",
           "false", "kl^{-1}(0, c) = 1 - exp(-c/2)"),
    Mutant("klinv_overshoot", T + "kl.py", "step = np.where(live & (slope > 0) & (f > 0), f / slope, 0.0)",
           "step = np.where(live & (slope > 0) & (f > 0), 3 * f / slope, 0.0)", "false",
           "Newton steps tripled: the iterate jumps below the root"),
    Mutant("klinv_one_step", T + "kl.py", "_MAX_NEWTON = 200", "_MAX_NEWTON = 1", "conservative",
           "one Newton step from above: an upper bound on the root"),
    Mutant("kl_half", T + "kl.py", "mid = qs * _phi(h / qs, rs / qs) + (1 - qs) * _phi(-h / (1 - qs), (1 - rs) / (1 - qs))",
           "mid = qs * _phi(h / qs, rs / qs)", "conservative", "a smaller kl: a larger kl^{-1}"),
    # ---- core: Q-CD, certificate, sweeps
    Mutant("qcd_non_strict", "qtheory/incremental.py", "look = np.flatnonzero(unsure | (dec > nu))",
           "look = np.flatnonzero(unsure | (dec >= nu))", "equivalent",
           "a decrease within round-off of nu is always decided by the reference evaluation (strict), so the "
           "incremental >= never decides a tie"),
    Mutant("qcd_ref_non_strict", "qtheory/incremental.py", "return bool(F_new < F_cur - nu)",
           "return bool(F_new <= F_cur - nu)", "false", "Q-CD's reference decision accepts a decrease of exactly nu"),
    Mutant("qcd_one_sweep", "qtheory/solve/qcd.py", '            if hit_cap or state["moves"] == before:',
           "            if True:", "false", "Q-CD stops after one sweep (the certificate's fallback finishes)"),
    Mutant("qcd_reverse", "qtheory/solve/qcd.py", "np.arange(problem.p) if order", "np.arange(problem.p)[::-1] if order",
           "false", "Q-CD sweeps j = p..1"),
    Mutant("qcd_minus_first", "qtheory/incremental.py", "np.array([1, -1], dtype=np.int64)",
           "np.array([-1, 1], dtype=np.int64)", "false", "Q-CD tries s = -1 before s = +1"),
    Mutant("certify_2nu", "qtheory/solve/certify.py", "    bad = F_nb < F - nu", "    bad = F_nb < F - 2 * nu",
           "false", "the certificate tolerates decreases up to 2 nu"),
    Mutant("sweep_flag_false", "qtheory/experiments/measure.py",
           'out = {"value": float(value), "tightness": tight, "violated": bool(violated), **extra}',
           'out = {"value": float(value), "tightness": tight, "violated": False, **extra}', "false",
           "sweep cells hard-wire 'no violation'"),
    Mutant("sweep_a0_flag", "qtheory/experiments/measure.py", "violated=excess > a0,", "violated=excess > 2 * a0,",
           "false", "A0's violated flag compares with twice the bound"),
    Mutant("report_ignores", "qtheory/experiments/report.py", '        if entry["violated"]:', "        if False:",
           "false", "the report does not count violated bounds"),
]


def _apply(root: Path, m: Mutant) -> None:
    path = root / m.path
    text = path.read_text()
    count = text.count(m.old)
    if count != 1:
        raise SystemExit(f"mutant {m.name}: the text to replace occurs {count} times in {m.path}")
    path.write_text(text.replace(m.old, m.new))


def claim_files(root: Path) -> list[str]:
    """Test files that mark tests ``claim`` (only these are collected)."""
    return sorted(str(p.relative_to(root)) for p in (root / "tests").glob("test_*.py") if "mark.claim" in p.read_text())


def _pytest(root: Path, extra: list[str], timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-m", "claim", "-p", "no:cacheprovider", *claim_files(root), *extra]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def run_mutant(m: Mutant, timeout: float) -> tuple[Mutant, bool, str, float]:
    """(mutant, killed, the first failing test or '', seconds)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"mutant-{m.name}-") as tmp:
        root = Path(tmp)
        for name in COPY:
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / name)
        _apply(root, m)
        try:
            proc = _pytest(root, ["-x"], timeout)
        except subprocess.TimeoutExpired:
            return m, True, "timeout", time.perf_counter() - t0
    failed = re.findall(r"^FAILED (\S+)", proc.stdout, flags=re.M)
    killed = proc.returncode != 0
    return m, killed, (failed[0] if failed else (proc.stdout.strip().splitlines() or [""])[-1]) if killed else "", \
        time.perf_counter() - t0


def show_power() -> int:
    proc = _pytest(ROOT, ["-s"], 1200)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("power ")]
    print("\n".join(lines))
    print(proc.stdout.strip().splitlines()[-1])
    return proc.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at a time (default 1)")
    ap.add_argument("--only", nargs="*", default=None, help="names of the mutants to run")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant (a timeout counts as killed)")
    ap.add_argument("--power", action="store_true", help="print each claim test's power and exit")
    args = ap.parse_args(argv)
    if args.power:
        return show_power()
    chosen = [m for m in MUTANTS if args.only is None or m.name in args.only]
    unknown = set(args.only or ()) - {m.name for m in MUTANTS}
    if unknown:
        print(f"mutation.py: error: --only: unknown mutant(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    results = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for m, killed, why, secs in pool.map(lambda mm: run_mutant(mm, args.timeout), chosen):
            results.append((m, killed, why))
            print(f"{'KILLED  ' if killed else 'survived'} {m.name:<20} [{m.kind}] {secs:5.1f} s  {why}", flush=True)
    killed = sum(k for _, k, _ in results)
    print(f"\nkilled {killed} / {len(results)} mutants ({time.perf_counter() - t0:.0f} s)")
    false_total = [m for m, _, _ in results if m.kind == "false"]
    false_killed = sum(k for m, k, _ in results if m.kind == "false")
    print(f"mutants that make a statement false: killed {false_killed} / {len(false_total)}")
    survivors = [(m, k) for m, k, _ in results if not k]
    if survivors:
        print("\nsurvivors:")
        for m, _ in survivors:
            print(f"  {m.name} [{m.kind}]: {m.why}")
    unexpected = [m.name for m, k, _ in results if k and m.kind in ("conservative", "equivalent")]
    if unexpected:
        print(f"\nkilled although harmless (a claim test is wrong?): {', '.join(unexpected)}")
    missed = [m.name for m, k, _ in results if not k and m.kind == "false"]
    return 1 if missed or unexpected else 0


if __name__ == "__main__":
    raise SystemExit(main())
