"""``qtheory certify-data --dataset NAME|PATH.csv [--seed S] [--delta D] [--json]``: train a sparse quantized
net on real data by Q-CD (STE warm start), choose among M configurations on the training split only (by
default the best training fit among those whose V4 is within a budget, see ``--max-bound``), and certify
its test error with V4 (V1 with the exact count of networks with k non-zeros) on the 0-1 error (ln M
included); V1, the Hoeffding certificate and the STE baseline are reported beside it.  Progress goes to stderr.

The command reports a bound and passes no verdict: exit status 0 whenever a certificate is computed (with or
without --json), 2 on bad input."""

from __future__ import annotations

import argparse
import json


def add_parser(parser: argparse.ArgumentParser) -> None:
    from qtheory.certify_data import DEFAULT_MAX_BOUND, MULTICLASS_MAX_BOUND, PREPROCESSING
    from qtheory.ste import PENALTY_ON

    parser.add_argument("--dataset", required=True, metavar="NAME|PATH.csv",
                        help="breast_cancer, digits, wine, iris, or a CSV file (header row, numeric columns, "
                             "class label in the last column)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the train/test split and of training (default 0)")
    parser.add_argument("--delta", type=float, default=0.05, help="confidence level delta' in (0, 1) (default 0.05)")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="fraction of rows held out (default 0.2)")
    parser.add_argument("--prep-fraction", type=float, default=0.05,
                        help="fraction of the training split whose features fix the standardization and are "
                             "left out of the certificate (default 0.05)")
    parser.add_argument("--preprocessing", choices=PREPROCESSING, default="auto",
                        help="feature map fixed before the certification rows are seen: 'auto' (default) is "
                             "'range' for digits (documented pixel range) and 'symlog' (sign(x) ln(1 + |x|), then "
                             "standardized on the preparation rows) otherwise")
    parser.add_argument("--start-penalty", choices=PENALTY_ON, default="latent",
                        help="the STE warm start carries the MCP on its latent float weights ('latent', default: "
                             "a sparse start) or on the rounded ones ('rounded': a dense start)")
    parser.add_argument("--max-bound", type=float, default=None, metavar="B",
                        help="certificate budget: choose the configuration with the smallest training error "
                             "among those whose V4 certificate is <= B, or the smallest V4 if none "
                             f"(default B = {DEFAULT_MAX_BOUND:g} for two classes, {MULTICLASS_MAX_BOUND:g} for more)")
    parser.add_argument("--smallest-bound", action="store_true",
                        help="choose the configuration with the smallest V4 certificate instead of the budget rule")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def run(args: argparse.Namespace) -> int:
    from qtheory.certify_data import certify_dataset
    from qtheory.progress import Progress
    from qtheory.validation import check_positive_int, check_probability, check_scalar

    check_positive_int(args.seed, "--seed", min_val=0)
    check_probability(args.delta, "--delta")
    check_probability(args.test_fraction, "--test-fraction")
    check_probability(args.prep_fraction, "--prep-fraction")
    if args.max_bound is not None:
        check_scalar(args.max_bound, "--max-bound", float, min_val=0.0, max_val=1.0)

    if args.smallest_bound and args.max_bound is not None:
        raise ValueError("--smallest-bound and --max-bound exclude each other: give one selection rule")
    max_bound = None if args.smallest_bound else ("auto" if args.max_bound is None else args.max_bound)
    with Progress(f"certify-data {args.dataset}", unit="configurations", enabled=not args.quiet) as bar:
        record = certify_dataset(args.dataset, seed=args.seed, delta=args.delta, test_fraction=args.test_fraction,
                                 prep_fraction=args.prep_fraction, preprocessing=args.preprocessing,
                                 start_penalty=args.start_penalty, max_bound=max_bound,
                                 progress=lambda msg: bar.update(1, msg))
    if args.json:
        print(json.dumps(record))
    else:
        print(format_record(record))
    return 0


def format_record(r: dict) -> str:
    """A short human-readable summary of a :func:`qtheory.certify_data.certify_dataset` record."""
    ste = r["ste"]
    lines = [
        f"data set {r['dataset']} (seed {r['seed']}): n = {r['n_train']} certification rows, {r['n_prep']} "
        f"preparation rows, {r['n_test']} test rows; features {r['preprocessing']}",
        f"chosen among M = {r['M']} configurations on the training split ({r['selection']}): {r['config']['label']}",
        f"  Q-CD:  k = {r['nonzeros']} of p = {r['p']}, |Q| = {r['Qsize']}, train error {r['train_error']:.4f}, "
        f"test error {r['test_error']:.4f}",
        f"         certificate V4 {r['bound_V4']:.4f} (V1 {r['bound_V1']:.4f}, Hoeffding {r['bound_hoeffding']:.4f}; "
        f"delta' = {r['delta']:g})",
        f"  STE:   k = {ste['nonzeros']}, train error {ste['train_error']:.4f}, test error {ste['test_error']:.4f}, "
        f"V4 {ste['bound_V4']:.4f} (V1 {ste['bound_V1']:.4f}, Hoeffding {ste['bound_hoeffding']:.4f})",
    ]
    return "\n".join(lines)
