"""The quality benchmark's plot: kNN top-1 (and the online linear probe's)
against the pre-training epoch, on one data set."""
import statistics
from typing import List

from matplotlib.figure import Figure

from ..report_io import write_figure
from .runs import KNN_K, RANDOM


def curves(runs: List[dict], curve_key: str) -> dict:
    """Per method, its ``curve_key`` curve's mean and std over seeds:
    ``{method: (epochs, means, stds)}`` (what the plot draws)."""
    drawn = {}
    for method in dict.fromkeys(r['method'] for r in runs):
        mine = [r.get(curve_key) for r in runs if r['method'] == method]
        if method in RANDOM or not all(mine):
            continue
        epochs = [e for e, _ in mine[0]]
        points = [[c[i][1] for c in mine if len(c) > i]
                  for i in range(len(epochs))]
        drawn[method] = (epochs, [statistics.fmean(p) for p in points],
                         [statistics.pstdev(p) for p in points])
    return drawn


def _draw(ax, runs, curve_key, score_key, ylabel):
    for method, (epochs, mean, std) in curves(runs, curve_key).items():
        line, = ax.plot(epochs, mean, marker='o', ms=3, label=method)
        ax.fill_between(epochs, [m - s for m, s in zip(mean, std)],
                        [m + s for m, s in zip(mean, std)],
                        color=line.get_color(), alpha=0.2)
    for name, style in zip(RANDOM, ('--', ':')):
        scores = [r[score_key] for r in runs if r['method'] == name]
        if scores:
            ax.axhline(statistics.fmean(scores), color='grey', ls=style,
                       label=name)
    ax.set_xlabel('pre-training epoch')
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot(runs: List[dict], path: str, dataset: str) -> None:
    """kNN top-1 against epoch per method on ``dataset`` (mean +- std over
    seeds) and the random backbones' as dashed lines; beside it, where runs
    have one, the online linear probe's top-1 (the random lines: their
    final linear probe's)."""
    runs = [r for r in runs if r['dataset'] == dataset]
    online = any(r.get('online_curve') for r in runs)
    # A bare Figure, not pyplot: no global figure manager or backend.
    fig = Figure(figsize=(12.0 if online else 6.4, 4.2))
    axes = fig.subplots(1, 2 if online else 1, squeeze=False)
    _draw(axes[0, 0], runs, 'curve', 'knn_top1',
          f'kNN top-1 (%), k={KNN_K}, {dataset} val')
    if online:
        _draw(axes[0, 1], runs, 'online_curve', 'linear_top1',
              f'online linear probe top-1 (%), {dataset} val')
    seeds = len({r['seed'] for r in runs})
    axes[0, 0].set_title(f'Embedded {dataset}, {seeds} seed(s)')
    fig.tight_layout()
    write_figure(path, fig, dpi=120)
