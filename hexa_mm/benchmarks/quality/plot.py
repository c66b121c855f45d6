"""The quality benchmark's plot: kNN top-1 (and the online linear probe's)
against the pre-training epoch."""
import statistics

from matplotlib.figure import Figure

from ..report_io import write_figure
from .methods import KNN_K, RANDOM


def _draw_curves(ax, runs, curve_key, score_key, ylabel):
    """Mean +- std over seeds of every method's ``curve_key`` curve, and
    the random backbones' ``score_key`` as dashed lines."""
    for method in dict.fromkeys(r['method'] for r in runs):
        curves = [r.get(curve_key) for r in runs if r['method'] == method]
        if method in RANDOM or not curves[0]:
            continue
        epochs = [e for e, _ in curves[0]]
        points = [[c[i][1] for c in curves if c and len(c) > i]
                  for i in range(len(epochs))]
        mean = [statistics.fmean(p) for p in points]
        std = [statistics.pstdev(p) if len(p) > 1 else 0. for p in points]
        line, = ax.plot(epochs, mean, marker='o', ms=3, label=method)
        ax.fill_between(epochs, [m - s for m, s in zip(mean, std)],
                        [m + s for m, s in zip(mean, std)],
                        color=line.get_color(), alpha=0.2)
    for (name, _), style in zip(RANDOM.items(), ('--', ':')):
        start = [r[score_key] for r in runs if r['method'] == name]
        if start:
            ax.axhline(statistics.fmean(start), color='grey', ls=style,
                       label=name)
    ax.set_xlabel('pre-training epoch')
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot(runs, path, dataset='digits'):
    """kNN top-1 against epoch per method (mean +- std over seeds) and the
    random backbones' as dashed lines; beside it, where runs have one, the
    online linear probe's top-1 (the random lines: their final linear
    probe's)."""
    online = any(r.get('online_curve') for r in runs)
    # A bare Figure, not pyplot: no global figure manager or backend.
    fig = Figure(figsize=(12.0 if online else 6.4, 4.2))
    axes = fig.subplots(1, 2 if online else 1, squeeze=False)
    _draw_curves(axes[0, 0], runs, 'curve', 'knn_top1',
                 f'kNN top-1 (%), k={KNN_K}, 500 val {dataset}')
    if online:
        _draw_curves(axes[0, 1], runs, 'online_curve', 'linear_top1',
                     f'online linear probe top-1 (%), 500 val {dataset}')
    seeds = len({r['seed'] for r in runs})
    axes[0, 0].set_title(f'Embedded {dataset}, {seeds} seed(s)')
    fig.tight_layout()
    write_figure(path, fig, dpi=120)
