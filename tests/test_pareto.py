"""The Pareto front of F7 (test error against certificate over configurations), and its drawing."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from qtheory.experiments.plots import style
from qtheory.experiments.plots.f7_pareto import draw, pareto_front


def test_front_of_a_small_set():
    pts = [(0.3, 0.10), (0.2, 0.20), (0.4, 0.05), (0.35, 0.12), (0.2, 0.25), (0.5, 0.05)]
    assert pareto_front(pts) == [1, 0, 2]


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=25))
def test_front_is_exactly_the_undominated_points(raw):
    pts = [(x / 6, y / 6) for x, y in raw]
    front = pareto_front(pts)

    def dominated(i):
        return any(pts[j][0] <= pts[i][0] and pts[j][1] <= pts[i][1] and pts[j] != pts[i] for j in range(len(pts)))

    undominated = {pts[i] for i in range(len(pts)) if not dominated(i)}
    assert {pts[i] for i in front} == undominated and len(front) == len(undominated)  # one index per point
    xs = [pts[i][0] for i in front]
    assert xs == sorted(xs)


def _record(dataset, seed, rng):
    rows = []
    for lam in (0.01, 0.02, 0.04):
        v4, te = rng.uniform(0.1, 0.5), rng.uniform(0.01, 0.1)
        rows.append({"config": {"label": f"linear lam={lam}"}, "bound_V4": v4, "test_error": te,
                     "ste": {"bound_V4": v4 + 0.1, "test_error": te}})
    return {"dataset": dataset, "seed": seed, "M": 3, "configs": rows, "bound_V4": rows[0]["bound_V4"],
            "test_error": rows[0]["test_error"]}


def test_draw_writes_a_column_wide_figure(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    results = [_record(d, s, rng) for d, s in itertools.product(("digits", "breast_cancer"), range(3))]
    figs = []
    save = style.save
    monkeypatch.setattr(style, "save", lambda fig, out, name: figs.append(fig) or save(fig, out, name))
    paths = draw(results, tmp_path, "pareto")
    assert [p.name for p in paths] == ["pareto.png", "pareto.pdf"] and all(p.stat().st_size > 5000 for p in paths)
    (fig,) = figs
    assert fig.get_size_inches()[0] == style.COLUMN_WIDTH and len(fig.axes) == 2
