"""``qtheory check-variant FILE.py [--name NAME] [--budget SECONDS] [--json]``: try to refute a theorem
variant on generated toy problems.

A variant file is a Python file that defines, at module level, ``VARIANTS``: a list of
:class:`qtheory.variants.Variant` (or one ``VARIANT``).  For example::

    from qtheory.theory import RESULTS
    from qtheory.variants import Variant, dev

    L1 = RESULTS["L1"]
    VARIANTS = [Variant(name="L1", claim=dev <= L1.value, solutions="any", probabilistic=True,
                        assumptions=L1.hypotheses)]

Each variant (or only ``--name NAME``) is searched for a counterexample for ``--budget`` seconds
(``qtheory.harness.check_variant``).  Exit status 1 when a variant is refuted, 0 when none is, 2 on an error.
``--json`` prints one object per variant (a list when there are several) with keys name, verdict
("refuted" or "not refuted"), examples_tried, counterexample (the reproducible record, or null), min_slack
and more.  ``--save DIR`` writes each counterexample's problem as DIR/<name>.toml (read back by every
command that takes a problem file; s, delta', nu and the Q-CD starts are in the record's params).
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
    from qtheory.harness import DEFAULT_BUDGET, DEFAULT_FALSE_ALARM, DEFAULT_SHRINK_SECONDS

    parser.add_argument("file", metavar="FILE.py", help="Python file defining VARIANTS = [Variant(...), ...]")
    parser.add_argument("--name", help="check only the variant with this name")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET,
                        help=f"seconds of search per variant (default {DEFAULT_BUDGET:g})")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--false-alarm", type=float, default=DEFAULT_FALSE_ALARM,
                        help="probability of refuting a true probabilistic claim, over the whole search "
                             f"(default {DEFAULT_FALSE_ALARM:g})")
    parser.add_argument("--shrink-seconds", type=float, default=DEFAULT_SHRINK_SECONDS,
                        help="cap on the time spent shrinking a counterexample, within the budget "
                             f"(default {DEFAULT_SHRINK_SECONDS:g})")
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
    from qtheory.harness import check_variant
    from qtheory.progress import Progress
    from qtheory.validation import check_output_dir, check_positive_int, check_positive_real, check_probability

    check_positive_real(args.budget, "--budget")
    check_positive_int(args.seed, "--seed", min_val=0)
    check_probability(args.false_alarm, "--false-alarm")
    check_positive_real(args.shrink_seconds, "--shrink-seconds", allow_zero=True)
    if args.save is not None:
        check_output_dir(args.save, "--save")
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
                shrink_seconds=args.shrink_seconds, progress=progress,
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
    if verdict.undefined:
        lines.append(f"solutions where the claim was undefined (NaN): {verdict.undefined}")
    ce = verdict.counterexample
    if ce is not None:
        lines.append(f"counterexample (hypothesis seed {ce.get('seed')}, {'shrunk' if verdict.shrunk else 'not shrunk'}):")
        lines.append(f"  solution: {ce['solution']}, codes {ce['codes']}, slack {ce['slack']:.6g}")
        for r in ce["relations"]:
            lines.append(f"  {r['relation']}:  lhs = {r['lhs']:.6g}, rhs = {r['rhs']:.6g}, slack = {r['slack']:.6g}")
        if "resampling" in ce and "test" in ce["resampling"]:
            t = ce["resampling"]["test"]
            lines.append(
                f"  violated on {t['violations']} of {t['samples_drawn']} fresh training samples (delta' = "
                f"{ce['resampling']['delta']:.4g}; P(Binomial({t['resamples']}, delta') >= {t['violations']}) = "
                f"{t['p_value']:.3g} <= alpha = {t['alpha']:.3g})"
            )
        q = ce["quantities"]
        lines.append("  quantities: " + ", ".join(f"{k}={_fmt(v)}" for k, v in q.items()))
        lines.append("  params: " + json.dumps(ce["params"]))
        if "problem_file" in ce:
            lines.append(f"  problem file: {ce['problem_file']}")
        lines.append("  problem (TOML):")
        lines.extend("    " + ln for ln in ce["problem_toml"].rstrip().splitlines())
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)
