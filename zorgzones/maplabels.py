"""Map labels that never overlap: placed by priority, shifted or shrunk, else left out."""

from __future__ import annotations

import numpy as np
from matplotlib import patheffects


def _renderer(fig):
    """A renderer to measure text on (an Agg canvas is attached to a bare Figure on first use)."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def place_labels(ax, xs, ys, texts: list[str], *, priority, fontsize: float, min_fontsize: float | None = None,
                 fontweight: str = "normal", halo: float = 2.0, color: str = "#111111", zorder: float = 6,
                 occupied: list | None = None) -> list[bool]:
    """Text labels at data points with a white halo, highest ``priority`` first: a label that would overlap one already
    placed (or an ``occupied`` display box, or leave the map) is tried a line above and below, then at ``min_fontsize``
    (default 80 %), and else left out. Deterministic; returns which labels were drawn, in the order of ``texts``."""
    renderer = _renderer(ax.figure)
    frame = ax.get_window_extent(renderer)
    taken = list(occupied or [])
    drawn = [False] * len(texts)
    sizes = (fontsize, min_fontsize or fontsize * 0.8)
    for i in np.argsort(-np.nan_to_num(np.asarray(priority, dtype=float), nan=-1.0), kind="stable"):
        if not texts[i]:
            continue
        for size in sizes:
            lines = texts[i].count("\n") + 1
            for shift in (0.0, 1.0, -1.0):
                options = {"xy": (xs[i], ys[i]), "xytext": (0.0, shift * size * (lines * 0.6 + 0.5)), "textcoords": "offset points",
                           "ha": "center", "va": "center", "fontsize": size, "fontweight": fontweight, "linespacing": 0.95,
                           "annotation_clip": False}
                artist = ax.annotate(texts[i], color=color, zorder=zorder, **options)
                box = artist.get_window_extent(renderer).expanded(1.04, 1.08)
                inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
                if inside and not any(box.overlaps(other) for other in taken):
                    taken.append(box)
                    ax.annotate(texts[i], color="white", zorder=zorder - 0.5,
                                path_effects=[patheffects.Stroke(linewidth=halo, foreground="white")], **options)
                    drawn[i] = True
                    break
                artist.remove()
            if drawn[i]:
                break
    return drawn
