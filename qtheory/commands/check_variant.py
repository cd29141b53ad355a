"""``qtheory check-variant FILE.py [--name NAME] [--budget SECONDS | --max-examples N] [--tightness] [--json]``:
try to refute a theorem variant on generated toy problems.

A variant file is a Python file that defines, at module level, ``VARIANTS``: a list of
:class:`qtheory.variants.Variant` (or one ``VARIANT``).  For example::

    from qtheory.theory import RESULTS
    from qtheory.variants import Variant, dev

    L1 = RESULTS["L1"]
    VARIANTS = [Variant(name="L1", claim=dev <= L1.value, solutions="any", probabilistic=True,
                        assumptions=L1.hypotheses)]

Each variant (or only ``--name NAME``) is searched for a counterexample for ``--budget`` seconds (default
60), or for ``--max-examples N`` examples (then, without ``--budget``, the result does not depend on the
clock: same file and seed, same JSON apart from ``seconds``) (``qtheory.harness.check_variant``).  Exit
status 1 when a variant is refuted, 0 when none is, 2 on an error.  ``--json`` prints one object per variant
(a list when there are several) with keys name, verdict ("refuted" or "not refuted"), examples_tried,
counterexample (the reproducible record, or null), found_by (the phase), min_slack, nearest_miss and more.
``--tightness`` adds, for each relation bound >= bounded of the claim, the quantiles of bound / bounded and
bound - bounded over the checked solutions and the tightest example.  ``--save DIR`` writes each
counterexample's problem as DIR/<name>.toml (read back by every command that takes a problem file; s,
delta', nu and the Q-CD starts are in the record's params).  Counterexamples are kept in the cache folder
(``qtheory.harness.cache_dir``) and tried first next time, unless ``--no-database`` or ``--max-examples``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import traceback
from pathlib import Path
from typing import Any

from qtheory.validation import UserFileError


def add_parser(parser: argparse.ArgumentParser) -> None:
    from qtheory.harness import DEFAULT_BUDGET, DEFAULT_FALSE_ALARM, DEFAULT_SHRINK_EXAMPLES, DEFAULT_SHRINK_SECONDS

    parser.add_argument("file", metavar="FILE.py", help="Python file defining VARIANTS = [Variant(...), ...]")
    parser.add_argument("--name", help="check only the variant with this name")
    parser.add_argument("--budget", type=float, default=None,
                        help=f"seconds of search per variant (default {DEFAULT_BUDGET:g}; none with --max-examples)")
    parser.add_argument("--max-examples", type=int, default=None,
                        help="examples per variant at most; without --budget the verdict is reproducible")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--false-alarm", type=float, default=DEFAULT_FALSE_ALARM,
                        help="probability of refuting a true probabilistic claim, over the whole search "
                             f"(default {DEFAULT_FALSE_ALARM:g})")
    parser.add_argument("--shrink-seconds", type=float, default=DEFAULT_SHRINK_SECONDS,
                        help="cap on the time spent shrinking a counterexample, within the budget "
                             f"(default {DEFAULT_SHRINK_SECONDS:g})")
    parser.add_argument("--shrink-examples", type=int, default=DEFAULT_SHRINK_EXAMPLES,
                        help=f"cap on the simplifications tried when shrinking (default {DEFAULT_SHRINK_EXAMPLES})")
    parser.add_argument("--no-database", action="store_true",
                        help="neither read nor store counterexamples in the cache folder")
    parser.add_argument("--tightness", action="store_true",
                        help="report bound / bounded and bound - bounded of each relation over the checked solutions")
    parser.add_argument("--save", metavar="DIR", help="write each counterexample's problem file into DIR")
    parser.add_argument("--json", action="store_true", help="print JSON (one object per variant)")
    parser.add_argument("--no-progress", action="store_true", help="no progress on stderr")


def load_variants(path: str | Path) -> list[Any]:
    """The variants a file declares (``VARIANTS`` list, or one ``VARIANT``)."""
    from qtheory.variants import Variant

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"variant file not found: {str(path)!r}")
    name = "qtheory_variant_file_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit included: the file is the user's, its failure a user error
        raise UserFileError(user_file_error(path, exc)) from None
    finally:
        sys.modules.pop(name, None)
    if hasattr(module, "VARIANTS"):
        variants = list(module.VARIANTS)
    elif hasattr(module, "VARIANT"):
        variants = [module.VARIANT]
    else:
        raise ValueError(f"{path}: define VARIANTS = [Variant(...), ...] (or VARIANT = Variant(...)) at module level")
    for i, v in enumerate(variants):
        if not isinstance(v, Variant):
            raise TypeError(f"{path}: VARIANTS[{i}] must be a qtheory.variants.Variant, got {type(v).__name__}")
    names = [v.name for v in variants]
    dup = sorted({x for x in names if names.count(x) > 1})
    if dup:
        raise ValueError(f"{path}: variant names must be unique; repeated: {', '.join(dup)}")
    if not variants:
        raise ValueError(f"{path}: VARIANTS is empty")
    return variants


def user_file_error(path: Path, exc: BaseException) -> str:
    """``FILE:LINE: ExceptionType: message`` for an exception raised while running the user's file ``path``:
    the line is the deepest frame in that file (the syntax error's own line for a ``SyntaxError``)."""
    line: int | None = None
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve() == path.resolve():
        line = exc.lineno
        message = exc.msg
    else:
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename and Path(frame.filename).resolve() == path.resolve():
                line = frame.lineno
        message = str(exc) if not isinstance(exc, SystemExit) else f"the file called sys.exit({exc.code!r})"
    where = f"{path}:{line}" if line is not None else str(path)
    return " ".join(f"{where}: {type(exc).__name__}: {message}".split())


def run(args: argparse.Namespace) -> int:
    from qtheory.harness import check_variant, use_cache_for_hypothesis
    from qtheory.progress import Progress
    from qtheory.validation import check_output_dir, check_positive_int, check_positive_real, check_probability

    if args.budget is not None:  # None: the default budget, or --max-examples alone
        check_positive_real(args.budget, "--budget")
    if args.max_examples is not None:
        check_positive_int(args.max_examples, "--max-examples")
    check_positive_int(args.shrink_examples, "--shrink-examples", min_val=0)
    check_positive_int(args.seed, "--seed", min_val=0)
    check_probability(args.false_alarm, "--false-alarm")
    check_positive_real(args.shrink_seconds, "--shrink-seconds", allow_zero=True)
    if args.save is not None:
        check_output_dir(args.save, "--save")
    use_cache_for_hypothesis()
    variants = load_variants(args.file)
    if args.name is not None:
        chosen = [v for v in variants if v.name == args.name]
        if not chosen:
            raise ValueError(f"--name == {args.name!r}, must be one of {', '.join(repr(v.name) for v in variants)}")
        variants = chosen
    verdicts = []
    for v in variants:
        with Progress(f"check-variant {v.name}", unit="examples", enabled=not args.no_progress) as bar:
            def progress(info: dict[str, Any]) -> None:
                bar.advance_to(info["examples"], f"smallest slack {info['min_slack']:.4g}")

            verdict = check_variant(
                v, budget=args.budget, seed=args.seed, false_alarm=args.false_alarm,
                shrink_seconds=args.shrink_seconds, shrink_examples=args.shrink_examples,
                max_examples=args.max_examples, database=False if args.no_database else None,
                tightness=args.tightness, progress=progress,
            )
            bar.close(verdict.verdict)
        verdicts.append(verdict)
        if args.save and verdict.counterexample is not None:
            out = Path(args.save)
            out.mkdir(parents=True, exist_ok=True)
            target = out / (re.sub(r"[^A-Za-z0-9_.-]+", "_", v.name).strip("_") + ".toml")
            target.write_text(verdict.counterexample["problem_toml"])
            verdict.counterexample["problem_file"] = str(target)
        if not args.json:
            print(describe(v, verdict))
    if args.json:
        objs = [vd.to_json() for vd in verdicts]
        print(json.dumps(objs[0] if len(objs) == 1 else objs, indent=1))
    return 1 if any(vd.refuted for vd in verdicts) else 0


def describe(variant: Any, verdict: Any) -> str:
    """The human-readable verdict."""
    slack = "none checked" if verdict.min_slack is None else f"{verdict.min_slack:.6g}"
    lines = [
        f"{variant.describe()}",
        f"verdict: {verdict.verdict} ({verdict.examples_tried} examples in {verdict.seconds:.1f} s, "
        f"{verdict.checks} solutions checked, smallest slack {slack}; stopped: {verdict.stopped})",
    ]
    if verdict.rejected:
        lines.append(f"examples where an assumption failed: {verdict.rejected}")
    if verdict.degenerate:
        lines.append(f"degenerate draws rejected (U_Q of round-off size, a or lam out of range): {verdict.degenerate}")
    if verdict.undefined:
        lines.append(f"solutions where the claim was undefined (NaN): {verdict.undefined}")
    lines.append("examples per phase: " + ", ".join(f"{k} {v}" for k, v in verdict.phases.items()))
    seq = verdict.sequential
    if seq is not None and "most_sampled" in seq:
        m = seq["most_sampled"]
        rate = m["detectable_rate_50"]
        lines.append(
            f"sequential test: {seq['populations']} populations, {seq['samples']} training samples; the most "
            f"sampled one got {m['samples']} ({m['violations']} violations), enough to refute a violation rate "
            + ("(none reachable)" if rate is None else f">= {rate:.3g}") + f" with probability 1/2 at delta' = {m['delta']:.3g}"
        )
    ce = verdict.counterexample
    if ce is None and verdict.worst is not None:
        w = verdict.worst
        lines.append(f"nearest miss: solution {w['solution']}, codes {w['codes']}, slack {w['slack']:.6g}")
        lines.append("  problem (TOML): " + " | ".join(ln for ln in w["problem_toml"].splitlines() if ln))
    if verdict.tightness is not None:
        lines.extend(_describe_tightness(verdict.tightness))
    if ce is not None:
        lines.append(f"counterexample (found by the {verdict.found_by} phase, seed {ce.get('seed')}, "
                     f"{'shrunk' if verdict.shrunk else 'not shrunk'}):")
        lines.append(f"  solution: {ce['solution']}, codes {ce['codes']}, slack {ce['slack']:.6g}")
        for r in ce["relations"]:
            lines.append(f"  {r['relation']}:  lhs = {r['lhs']:.6g}, rhs = {r['rhs']:.6g}, slack = {r['slack']:.6g}")
        if "resampling" in ce and "test" in ce["resampling"]:
            t = ce["resampling"]["test"]
            lines.append(
                f"  violated on {t['violations']} of {t['samples']} training samples of this population (delta' = "
                f"{ce['resampling']['delta']:.4g}): ln E = {t['log_e_value']:.3g} >= ln(1/alpha) = "
                f"{t['log_threshold']:.3g}, alpha = {t['alpha']:.3g}"
            )
        q = ce["quantities"]
        lines.append("  quantities: " + ", ".join(f"{k}={_fmt(v)}" for k, v in q.items()))
        lines.append("  params: " + json.dumps(ce["params"]))
        if "problem_file" in ce:
            lines.append(f"  problem file: {ce['problem_file']}")
        lines.append("  problem (TOML):")
        lines.extend("    " + ln for ln in ce["problem_toml"].rstrip().splitlines())
    return "\n".join(lines)


def _describe_tightness(tight: dict[str, Any]) -> list[str]:
    lines = []
    for rel in tight["relations"]:
        if not rel["points"]:
            lines.append(f"tightness of {rel['relation']}: no checked solution")
            continue
        for key, label in (("ratio", "bound / bounded"), ("difference", "bound - bounded")):
            qs = rel[key]
            if qs is None:
                continue
            lines.append(
                f"tightness of {rel['relation']}, {label} over {rel['points']} solutions: "
                + ", ".join(f"{k} {_fmt(v)}" for k, v in qs.items())
            )
    t = tight.get("tightest")
    if t is not None:
        lines.append(f"tightest example (smallest ratio): codes {t['codes']}, slack {t['slack']:.6g}; problem: "
                     + " | ".join(ln for ln in t["problem_toml"].splitlines() if ln))
    return lines


def _fmt(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)
