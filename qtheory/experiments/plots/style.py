"""Shared figure style: one column of a paper (3.4 in wide), every font at 8 pt, docs/theory.md's symbols, PNG
(300 dpi) and PDF output, and the same colour for a bound in every figure."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

COLUMN_WIDTH = 3.4  # inches
FONT_SIZE = 8.0
DPI = 300

#: one colour and label per bound / quantity (mathtext, docs/theory.md symbols)
COLORS = {"A0": "#1f77b4", "A": "#ff7f0e", "B": "#2ca02c", "V1": "#9467bd", "V4": "#e377c2", "excess": "#000000",
          "excess_qcd": "#d62728", "ste": "#8c564b"}
BOUND_LABELS = {"A0": r"A0: $\Gamma + 2D_{\mathrm{dense}}$", "A": r"A", "B": r"B", "V1": r"V1: $B\,\mathrm{kl}^{-1} - L^*_Q$"}
EXCESS_LABEL = r"$L(\hat\beta) - L^*_Q$"
#: colour of the run label stamped over every figure of a quick run
STAMP_COLOR = "#d62728"

_stamps: list[str] = []


@contextmanager
def stamp(text: str | None) -> Iterator[None]:
    """Within the block, :func:`save` writes ``text`` across every panel of every figure (``None``: no label)."""
    _stamps.append(text or "")
    try:
        yield
    finally:
        _stamps.pop()


def current_stamp() -> str:
    """The label :func:`save` puts on figures now ("" outside any :func:`stamp` block)."""
    return _stamps[-1] if _stamps else ""


def setup() -> Any:
    """matplotlib with the Agg backend and the paper style; returns pyplot."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "font.size": FONT_SIZE, "axes.labelsize": FONT_SIZE, "axes.titlesize": FONT_SIZE,
        "xtick.labelsize": FONT_SIZE, "ytick.labelsize": FONT_SIZE, "legend.fontsize": FONT_SIZE,
        "legend.title_fontsize": FONT_SIZE, "font.family": "DejaVu Sans", "mathtext.fontset": "dejavusans",
        "axes.linewidth": 0.6, "lines.linewidth": 1.2, "lines.markersize": 3.5, "xtick.major.width": 0.6,
        "ytick.major.width": 0.6, "legend.frameon": False, "legend.handlelength": 1.6, "legend.borderaxespad": 0.3,
        "savefig.dpi": DPI, "pdf.fonttype": 42, "svg.fonttype": "none",
        "path.simplify": False,
    })
    return plt


def figure(height: float, nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """A column-wide figure with constrained layout."""
    plt = setup()
    return plt.subplots(nrows, ncols, figsize=(COLUMN_WIDTH, height), layout="constrained", **kwargs)


def panel_label(ax: Any, text: str) -> None:
    """The panel's letter and subject, above the axes on the left (never over the data)."""
    ax.set_title(text, loc="left", fontsize=FONT_SIZE, pad=3)


def symlog_zero(ax: Any, linthresh: float, top: float) -> None:
    """Log scale above ``linthresh``, linear below, so that a realized excess of exactly 0 is drawn at 0."""
    ax.set_yscale("symlog", linthresh=linthresh, linscale=0.4)
    ax.set_ylim(-0.4 * linthresh, top)


def save(fig: Any, out_dir: str | Path, name: str) -> list[Path]:
    """Write ``name``.png and ``name``.pdf (metadata without dates, so reruns give the same PDF bytes), with
    the current :func:`stamp` label, if any, written across every panel as a watermark."""
    label = current_stamp()
    for ax in fig.axes if label else ():
        ax.text(0.5, 0.5, label, transform=ax.transAxes, ha="center", va="center", rotation=15, color=STAMP_COLOR,
                alpha=0.3, fontsize=3 * FONT_SIZE, fontweight="bold", zorder=10)
    return write(fig, out_dir, name)


def write(fig: Any, out_dir: str | Path, name: str) -> list[Path]:
    """Write ``name``.png and ``name``.pdf and close the figure."""
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.pdf"]
    fig.savefig(paths[0], metadata={"Software": None})
    fig.savefig(paths[1], metadata={"CreationDate": None, "Producer": None, "Creator": None})
    plt.close(fig)
    return paths


def no_data(ax: Any, what: str) -> None:
    """Say plainly on the axes that a panel has nothing to show."""
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", wrap=True)
