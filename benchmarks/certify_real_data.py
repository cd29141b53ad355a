"""Certified test-error bounds on real data: Q-CD (sparse) against the STE baseline, seeds 0-4.

For each data set and seed, :func:`qtheory.certify_data.certify_dataset` splits the data, trains every default
configuration (sparse STE warm start, then Q-CD), chooses one on the training split with the default rule (the
smallest training 0-1 error among the configurations whose certificate V4 is within the budget, 0.15 for two
classes and 0.40 for more, the smallest V4 if none; ln M paid), and evaluates the chosen network and the STE
baseline of the same architecture and grid (trained without penalty) on the held-out test split.  V4 is V1
with the exact count C(p,k)(|Q|-1)^k of networks with k non-zeros; V1 is printed beside it.  Each finished run is stored as JSON under ``--out`` (one file per data set and seed); an
interrupted benchmark resumes from there (a stored run made with other configurations or another rule is
recomputed; ``--fresh`` recomputes all).

    python benchmarks/certify_real_data.py [--datasets breast_cancer digits FILE.csv] [--seeds 0 1 2 3 4] [--figure DIR]

Prints, per data set, one row per seed for the default rule (Q-CD and STE side by side: V4, V1, Hoeffding,
train and test error), then the same trained configurations under the other train-only rule (smallest V4; same
M, so its certificates are valid too), and a summary: mean and largest V4 and test error, the targets
(breast_cancer: mean V4 <= 0.15 with mean test error <= 0.05; digits: mean V4 <= 0.40 with mean test error
at most the STE baseline's + 0.02), any run whose chosen network's test error exceeds its certificate, and the
same count over all configurations of all runs (a population error above V4 happens with probability
<= delta' per run; a test error above it also by the test split's own sampling noise).  ``--figure DIR``
draws F7 (test error against V4 over the configurations, the Pareto front) for these runs.

Third round: V4, and the multi-class defaults.  V4 charges a network with k non-zeros ln C(p,k) + k ln(|Q|-1)
nats instead of V1's k ln(p|Q|): about ln(p e (|Q|-1)/k) per weight, so on digits (p = 650) a weight costs
about 2.8 nats at k = 160 against 7.6 under V1.  Denser, more accurate networks became certifiable, and the
multi-class list moved to lower prices of a non-zero weight.  Pilot runs on digits seeds 100-102 (not
reported; errors of 359 test rows), first on seed 100 with one grid (K = 1, d = 1):

* prices of the old multi-class list (0.01 .. 0.025), seed 100, prices 0.01 and 0.02: k = 52 and 36, test
  error 0.125 and 0.156, V4 0.358 and 0.373 (V1 0.459 and 0.445) -- the accuracy gap of the first rounds;
* price 0.0015 (lam 0.003): k = 132, train 0.035, test 0.058 (its STE baseline: k = 335, test 0.058), V4 0.349
  (V1 0.580); price 0.0005: k = 210, test 0.045, V4 0.388 (V1 0.712);
* the adopted list (``default_configs(10)``: linear, (K, d) in {(1, 0.75), (1, 1), (1, 1.5), (2, 0.5)}, prices
  0.001 .. 0.005, M = 16), seeds 100-102, the smallest training error within V4 <= b:
  b = 0.35: mean test error 0.066, mean V4 0.338; b = 0.38 or 0.40: mean test error 0.055, mean V4 0.365
  (their STE baselines: 0.066); the smallest V4 outright: mean test error 0.072, V4 0.321.

The multi-class budget b = 0.40 is the certificate level aimed for (the target); a smaller budget only made
the chosen networks sparser and less accurate on the pilot seeds.  The binary list is the second round's (144
configurations); its budget is now the level aimed for under V4, 0.15 (pilot seed 100: the budget rule at
0.15 chose a k = 5 hinge model, test error 0.044, V4 0.145; the smallest V4 a k = 4 model, test 0.061).  The
breast_cancer pilot was cut short (one seed, 6.5 minutes a seed on the shared machine) to leave time for the
reported seeds, which were then run once, with no choice left.

Reported seeds 0-4 (run once, after the choices above; the shared 2-core machine, 6-10 minutes a
breast_cancer seed, 2-4 a digits seed):

* breast_cancer (M = 144, budget 0.15): V4 0.126 / 0.146 / 0.140 / 0.145 / 0.129 (mean 0.137; V1 mean 0.185),
  test error 0.026 / 0.044 / 0.026 / 0.000 / 0.044 (mean 0.028; targets: mean V4 <= 0.15 and mean test error
  <= 0.05, both met), k = 9-12 of 31; the chosen configurations' STE baselines: test error mean 0.035.
  The smallest V4 outright: mean V4 0.130, mean test error 0.044 (max 0.079).
* digits (M = 16, budget 0.40): V4 0.361 / 0.398 / 0.396 / 0.398 / 0.397 (mean 0.390; V1 mean 0.638), test
  error 0.047 / 0.036 / 0.064 / 0.058 / 0.039 (mean 0.049) against the chosen configurations' STE baselines'
  0.064 / 0.045 / 0.061 / 0.047 / 0.047 (mean 0.053; target: at most STE's + 0.02, met), k = 156-164 of 650.
  The smallest V4 outright: mean V4 0.320, mean test error 0.062 (its STE baselines 0.079).
* No test error above its V4 in any of the 720 + 80 (run, configuration) pairs.
* Palmer penguins (``--datasets examples/data/penguins.csv``, M = 16, budget 0.40): V4 mean 0.134 (max
  0.158), test error mean 0.015 (68 test rows), STE baselines 0.009.

How the defaults were chosen.  The binary configuration list (``default_configs(2)``: linear, K in {1, 2, 3},
d in {0.5, 1, 2}, logistic and hinge surrogates, price of a non-zero lam d / 2 in 0.004 .. 0.06; M = 144)
and the selection rule (budget b = 0.2, the certificate level aimed for) were fixed on breast_cancer pilot
splits, seeds 100-119, which are not reported; seeds 0-4 were run once, afterwards.  On the pilot seeds
(test error = errors / 114):

* previous list (28 configurations), smallest V1:                mean test error 0.045, 6 of 20 > 0.06
* previous list, budget 0.20:                                     mean 0.041, 4 of 20 > 0.06
* 180 configurations (prices 0.0025 .. 0.08), smallest V1:        mean 0.046, 4 of 20 > 0.06
* 180 configurations, budget 0.20 / 0.19 / 0.18:                  mean 0.034 / 0.038 / 0.042
* the 144 defaults, budget 0.20:                                  mean 0.034, max 0.061, 1 of 20 > 0.06
* the 144 defaults, smallest V1:                                  mean 0.044, max 0.105, 4 of 20 > 0.06
* the 144 with the logistic (hinge) surrogate only, budget 0.20:  mean 0.036 (0.035), 3 of 20 > 0.06
* the 144, smallest of train error + a (V1 - train error) within the budget, a = 0.1 / 0.2 / 0.3:
  mean 0.037 / 0.040 / 0.044
* smallest 5-fold cross-validated error (training split) within the budget, seeds 100-105: mean 0.034
  against 0.028 for the training error; among the configurations in the budget the cross-validated error
  correlated less with the test error (0.27-0.58) than the training error did (0.50-0.74)
* the 144 and finer grids (K in {4, 6}, d in {0.25, 0.5}; M = 208), budget 0.20: mean 0.033, 1 of 20 > 0.06:
  no clear gain for 40% more training, not adopted
* more training per configuration (Q-CD also from the zero start and from the solutions of the other prices
  on the same grid, keeping the smallest F): smaller F and V1, but mean test error 0.036 (180
  configurations, budget 0.20): not adopted.

For reference, float L1-regularized logistic regression with about 9 non-zeros had mean test error 0.030 on
the same pilot splits, and the dense float fit 0.024.  The multi-class list (digits) is unchanged; there no
configuration reaches V1 <= 0.2, so the default rule is the smallest V1.  The rows of the defaults' own pilot
evidence are reproduced by

    python benchmarks/certify_real_data.py --datasets breast_cancer --seeds $(seq 100 119) --out results/pilot

Second round: the feature map and the warm start.  With the first-round pipeline (features standardized on
S0, Q-CD from the dense STE solution) seed 0 missed the test-error target by one sample (7 errors of 114).
Two changes of the pipeline (not of the configuration list or the rule) were then compared on 40 fresh pilot
splits, seeds 120-159 (breast_cancer, same 144 configurations, budget rule; errors of 114 test rows):

* standardized features, dense STE start (first-round pipeline): mean test error 0.041, 7 of 40 > 0.06
* symlog features (sign(x) ln(1 + |x|), then standardized on S0), dense start: mean 0.037, 5 of 40 > 0.06
* standardized features, sparse start (the STE carries the MCP on its latent weights): mean 0.037, 3 of the
  first 24 > 0.06 (stopped early)
* symlog features and sparse start (adopted): mean 0.034, 2 of 40 > 0.06

The adopted pipeline was then run once on 40 further splits, seeds 160-199, with no choice left: mean test
error 0.033, 5 of 40 > 0.06 (12.5%), largest V1 0.198, no test error above its bound; digits seeds 120-124:
V1 0.422-0.436.  The first-round pipeline on the same 40 splits: mean 0.039, also 5 of 40 > 0.06, largest V1
0.197 (paired: the new pipeline has fewer test errors on 19 splits, more on 10; Wilcoxon p = 0.047).  So the
change lowers the mean test error by about half a point but not the frequency of a miss: a single split misses
0.06 about one time in eight (114 test rows carry a binomial noise of about 1.7 points at a 3% error), and
five seeds all meet it with probability of roughly one half to two thirds.  Seeds 0-4 were run once,
afterwards, with this pipeline.

No chosen network of any run had a test error above its V1.  Among all 33,096 (run, configuration) pairs of
the pilot, confirmation and reported runs, 6 pairs on 2 splits (seeds 170 and 179; one- and two-weight
classifiers of the sparsest price, the same network under several configurations) had a test error above
their V1: e.g. a single weight on worst perimeter, 0.058 on S1, 0.175 (20/114) on the test split, V1 0.157,
0.084 on all 569 rows.  V1 bounds the population error, and the probability of at least 20 errors in 114 at an
error rate equal to the bound is 0.33, so these are test-split noise, not a failed certificate.  Reproduce the rounds with ``--seeds``,
``--preprocessing standardize|symlog`` and ``--start-penalty rounded|latent``.

Caveat: the pilot splits are other splits of the same 569 rows, so the defaults are not, strictly,
independent of the reported seeds' certification rows (V1 assumes the M configurations are fixed before S1
is drawn); the choice among the M configurations inside each run is paid for by ln M as usual.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

#: data set -> (certificate (V4) target, test-error target or None, allowed test-error excess over STE's or None)
TARGETS = {"breast_cancer": (0.15, 0.05, None), "digits": (0.40, None, 0.02)}
RULES = ("default", "smallest V4")
#: the chosen network's facts copied from a record
FACTS = ("config", "nonzeros", "p", "train_error", "test_error", "bound_V4", "bound_V1", "bound_hoeffding", "ste")


def run_one(dataset: str, seed: int, out: Path, fresh: bool, options: dict) -> dict:
    """The record of one run with the default configurations and rule and the given pipeline ``options``
    (preprocessing, start_penalty): stored, or computed and stored."""
    from qtheory.certify_data import certify_dataset

    path = out / f"{Path(dataset).stem}_seed{seed}.json"
    if path.is_file() and not fresh:
        record = json.loads(path.read_text())
        if _matches(record, options):
            return record
    t0 = time.perf_counter()
    record = certify_dataset(dataset, seed=seed, **options,
                             progress=lambda msg: print(f"  {dataset} seed {seed} {msg}", file=sys.stderr, flush=True))
    record["seconds_total"] = time.perf_counter() - t0
    record["options"] = options
    out.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)
    return record


def _matches(record: dict, options: dict) -> bool:
    """Whether a stored record was made with today's default configurations, selection rule and certificate,
    and the same pipeline options."""
    from qtheory.certify_data import default_configs, default_max_bound

    labels = [c.label() for c in default_configs(record.get("n_classes", 2))]
    return (record.get("max_bound") == default_max_bound(record.get("n_classes", 2)) and record.get("options") == options and "bound_V4" in record
            and [r["config"]["label"] for r in record["configs"]] == labels)


def chosen(record: dict, rule: str) -> dict:
    """The facts of the configuration chosen by ``rule`` (a train-only rule) among the record's M rows."""
    from qtheory.certify_data import select_config

    if rule == "default":
        return {k: record[k] for k in FACTS}
    return record["configs"][select_config(record["configs"], None)]


HEADER = (
    "| data set | seed | n | n_test | M | chosen configuration | k / p | train | test | V4 | V1 | Hoeffding "
    "| STE k | STE train | STE test | STE V4 | STE V1 | s |"
)


def row(r: dict, c: dict) -> str:
    s = c["ste"]
    return (
        f"| {r['dataset']} | {r['seed']} | {r['n_train']} | {r['n_test']} | {r['M']} | {c['config']['label']} "
        f"| {c['nonzeros']} / {c['p']} | {c['train_error']:.3f} | {c['test_error']:.3f} | **{c['bound_V4']:.3f}** "
        f"| {c['bound_V1']:.3f} | {c['bound_hoeffding']:.3f} | {s['nonzeros']} | {s['train_error']:.3f} "
        f"| {s['test_error']:.3f} | {s['bound_V4']:.3f} | {s['bound_V1']:.3f} | {r.get('seconds_total', float('nan')):.0f} |"
    )


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def summary(dataset: str, records: list[dict], picks: list[dict]) -> list[str]:
    v4 = [c["bound_V4"] for c in picks]
    v1 = [c["bound_V1"] for c in picks]
    test = [c["test_error"] for c in picks]
    ste_test = [c["ste"]["test_error"] for c in picks]
    seeds = [r["seed"] for r in records]
    lines = [
        f"{dataset}: V4 mean {_mean(v4):.3f}, max {max(v4):.3f} (V1 mean {_mean(v1):.3f}); test error mean "
        f"{_mean(test):.3f}, max {max(test):.3f}; STE test error mean {_mean(ste_test):.3f}"
    ]
    below = [s for s, c in zip(seeds, picks) if c["bound_V4"] < c["test_error"]]
    lines.append(f"  runs whose chosen network has a test error above its V4: {below or 'none'}")
    pairs = [(r["seed"], row) for r in records for row in r["configs"]]
    above = sorted({s for s, row in pairs if row["bound_V4"] < row["test_error"]})
    n_above = sum(row["bound_V4"] < row["test_error"] for _, row in pairs)
    lines.append(f"  all configurations: {n_above} of {len(pairs)} (run, configuration) pairs with a test error above "
                 f"their V4 (seeds {above or 'none'}; V4 bounds the population error, the test error is a "
                 f"{records[0]['n_test']}-row estimate of it)")
    name = Path(dataset).stem
    if name in TARGETS:
        max_v4, max_test, over_ste = TARGETS[name]
        text = (f"  target mean V4 <= {max_v4}: {'met' if _mean(v4) <= max_v4 else 'MISSED'} ({_mean(v4):.3f}; "
                f"per seed <= {max_v4} on {[s for s, v in zip(seeds, v4) if v <= max_v4]} of {seeds})")
        if max_test is not None:
            text += (f"; mean test error <= {max_test}: {'met' if _mean(test) <= max_test else 'MISSED'} "
                     f"({_mean(test):.3f})")
        if over_ste is not None:
            gap = _mean(test) - _mean(ste_test)
            text += (f"; mean test error <= STE's + {over_ste}: {'met' if gap <= over_ste else 'MISSED'} "
                     f"(gap {gap:+.3f})")
        lines.append(text)
    return lines


def print_tables(records: dict[str, list[dict]]) -> None:
    for rule in RULES:
        first = next(iter(records.values()))[0]
        title = first["selection"] if rule == "default" else "smallest V4 on the certification rows"
        print(f"\nrule: {rule} ({title}); STE = the chosen configuration's STE baseline (no penalty), same M")
        print(HEADER)
        print("|" + "---|" * (HEADER.count("|") - 1))
        for recs in records.values():
            for r in recs:
                print(row(r, chosen(r, rule)))
        print()
        for dataset, recs in records.items():
            print("\n".join(summary(dataset, recs, [chosen(r, rule) for r in recs])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["breast_cancer", "digits"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", type=Path, default=Path("results/certify_real_data"),
                        help="folder of the per-run JSON records (default results/certify_real_data)")
    parser.add_argument("--fresh", action="store_true", help="recompute runs already stored")
    parser.add_argument("--preprocessing", default="auto", help="feature map (default auto: range for digits, "
                        "symlog otherwise)")
    parser.add_argument("--start-penalty", default="latent", help="MCP of the STE warm start on the 'latent' "
                        "(default) or 'rounded' weights")
    parser.add_argument("--figure", type=Path, default=None, metavar="DIR",
                        help="also draw the Pareto front (test error against V4 over the configurations) into "
                             "DIR/realdata_pareto.png and .pdf")
    args = parser.parse_args(argv)
    options = {"preprocessing": args.preprocessing, "start_penalty": args.start_penalty}
    records: dict[str, list[dict]] = {}
    t0 = time.perf_counter()
    for dataset in args.datasets:
        for seed in args.seeds:
            r = run_one(dataset, seed, args.out, args.fresh, options)
            records.setdefault(dataset, []).append(r)
            c = chosen(r, "default")
            print(f"{dataset} seed {seed}: k={c['nonzeros']} test={c['test_error']:.3f} V4={c['bound_V4']:.3f} "
                  f"({r.get('seconds_total', float('nan')):.0f} s)", file=sys.stderr, flush=True)
    print_tables(records)
    if args.figure is not None:
        from qtheory.experiments.plots.f7_pareto import draw

        for path in draw([r for recs in records.values() for r in recs], args.figure, "realdata_pareto"):
            print(f"figure: {path}")
    print(f"\nwall time of this invocation: {time.perf_counter() - t0:.0f} s (stored runs are not recomputed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
