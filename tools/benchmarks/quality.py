"""Does HEXA beat its baseline? Pre-train on the embedded digits over seeds.

    python tools/benchmarks/quality.py [--methods mocov2 hexa_moco ...]
        [--seeds 0 1 2] [--epochs N] [--eval-interval E]
        [--out results/quality] [--work-dir work_dirs/quality]

Every method pre-trains through MMEngine's Runner with the same budget and seed
(per-epoch log lines), scored every ``--eval-interval`` epochs by weighted kNN
(k = 20, T = 0.1) on the 500 validation digits, and at the end by kNN and by a
linear probe (logistic regression on the frozen, standardised features of the
1,297 training digits). Each seed also scores two randomly initialised
backbones of the same architecture, the bars to beat: the modules' own
initialisation (Kaiming for ResNet: where pre-training starts, and the random
init of every other tool), and PyTorch's default initialisation, a higher bar
on these small images (hexa_mm.evaluation.probe). Per method it reports the
mean and the spread (population std) over seeds, and writes, after every run so
that an interruption loses nothing already measured::

    <out>/<name>.json   every run: per-epoch kNN curve, final scores, minutes
    <out>/<name>.md     the table, with each HEXA method's difference to
                        its baseline (a cheaper HEXA-MoCo variant's to the
                        full setting) seed by seed (mean +- std)
    <out>/<name>.png    kNN top-1 against epoch, mean +- std over seeds,
                        the random backbones as dashed lines; beside it the
                        online linear probe's top-1 against epoch, for the
                        configs that run one (the digits configs do)
    <out>/<name>_tsne/<method>_seed<seed>.png
                        t-SNE map of the frozen backbone's features of the
                        validation digits, per method and random backbone
                        (first seed only; --no-tsne skips them)

``tools/demo.py`` is this benchmark with one seed and the demo's budget.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

import torch  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from hexa_mm.datasets import (DIGITS_EVAL_PIPELINE, DigitsDataset,  # noqa
                              export_digits)
from hexa_mm.engine.hooks import KNNEvalHook  # noqa: E402
from hexa_mm.engine.hooks import OnlineLinearProbeHook  # noqa: E402
from hexa_mm.evaluation import (build_probe_model,  # noqa: E402
                                extract_features, knn_accuracy,
                                linear_probe_top1, sequential_loader,
                                standardize)
from hexa_mm.utils import load_cfg  # noqa: E402
from hexa_mm.utils.atomic_io import atomic_write_bytes  # noqa: E402
from hexa_mm.utils.errors import run_cli  # noqa: E402
from hexa_mm.visualization import save_feature_map  # noqa: E402
from hexa_mm.visualization import tsne_embedding  # noqa: E402

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
#: name -> (config, overrides). Variants of one config differ in one knob.
METHODS = {
    'mocov2': ('configs/mocov2_r18_digits.py', {}),
    'hexa_moco': ('configs/hexa_moco_r18_digits.py', {}),
    'hexa_moco_f0.5': ('configs/hexa_moco_r18_digits.py', {
        'model.hard_fraction': 0.5
    }),
    'hexa_moco_f0.25': ('configs/hexa_moco_r18_digits.py', {
        'model.hard_fraction': 0.25
    }),
    # Cut-mixed queries only; halves keep MoCo-v2's gradient scale, as the
    # config's thirds do for three terms.
    'hexa_moco_cutmix': ('configs/hexa_moco_r18_digits.py', {
        'model.w_adv': 0.,
        'model.w_clean': 0.5,
        'model.w_mix': 0.5
    }),
    'deepclusterv2': ('configs/deepclusterv2_r18_digits.py', {}),
    'hexa_dcluster': ('configs/hexa_dcluster_r18_digits.py', {}),
}
#: Method -> what it is compared with seed by seed: a HEXA method with the
#: baseline it extends, a cheaper HEXA-MoCo variant with the full setting.
BASELINES = {
    'hexa_moco': 'mocov2',
    'hexa_moco_f0.5': 'hexa_moco',
    'hexa_moco_f0.25': 'hexa_moco',
    'hexa_moco_cutmix': 'hexa_moco',
    'hexa_dcluster': 'deepclusterv2',
}
#: The random-init rows: name -> build_probe_model's random_init.
RANDOM = {
    'random init': 'init_cfg',
    'random init (PyTorch default)': 'pytorch',
}
KNN_K = 20  # of 1,297 training digits: k = 200 would span 1.5 classes
KNN_T = 0.1


def parse_args(argv=None, defaults=None):
    defaults = {
        **dict(
            methods=['mocov2', 'hexa_moco', 'hexa_moco_f0.5',
                     'hexa_moco_f0.25', 'hexa_moco_cutmix'],
            seeds=[0, 1, 2],
            epochs=None,
            eval_interval=None,
            name='quality',
            out=osp.join(ROOT, 'results', 'quality'),
            work_dir=osp.join(ROOT, 'work_dirs', 'quality')),
        **(defaults or {})
    }
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--methods', nargs='+', choices=list(METHODS))
    parser.add_argument('--seeds', nargs='+', type=int)
    parser.add_argument(
        '--epochs', type=int,
        help="pre-training epochs of every method (default: each config's)")
    parser.add_argument(
        '--eval-interval', type=int,
        help='epochs between kNN evaluations (default: 5 per run)')
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data/digits'))
    parser.add_argument('--work-dir', help='checkpoints and logs')
    parser.add_argument('--out', help='folder of the tables and the plot')
    parser.add_argument('--name', help='file name stem of the results')
    parser.add_argument(
        '--no-tsne', dest='tsne', action='store_false',
        help='skip the t-SNE maps of the features')
    parser.set_defaults(**defaults)
    args = parser.parse_args(argv)
    for flag, value in (('--epochs', args.epochs),
                        ('--eval-interval', args.eval_interval)):
        if value is not None and value < 1:
            parser.error(f'{flag} {value}: expected >= 1')
    return args


def eval_datasets(data_root):
    """KNNEvalHook's reference (train) and scored (val) splits."""
    return {
        f'{split}_dataset': dict(type='DigitsDataset', data_root=data_root,
                                 split=split, pipeline=DIGITS_EVAL_PIPELINE)
        for split in ('train', 'val')
    }


def final_scores(model, data_root, tsne_path=None, title=''):
    """kNN and linear-probe top-1 (%) of the frozen backbone and, given
    ``tsne_path``, the t-SNE map of its validation features there."""
    train, val = (
        extract_features(
            model,
            sequential_loader(
                DigitsDataset(data_root, split, pipeline=DIGITS_EVAL_PIPELINE),
                batch_size=256)) for split in ('train', 'val'))
    knn = knn_accuracy(*train, *val, num_classes=10, k=KNN_K,
                       temperature=KNN_T)
    train_x, val_x = standardize(train[0], val[0])
    linear = linear_probe_top1(train_x, train[1], val_x, val[1])
    if tsne_path is not None:
        save_feature_map(f'{title}: kNN {knn:.1f}, linear {linear:.1f}',
                         tsne_embedding(val[0]), val[1].numpy(), tsne_path)
    return dict(knn_top1=round(knn, 2), linear_top1=round(linear, 2))


def tsne_path(method, seed, args):
    """Where the t-SNE map of a run goes: first seed only, unless off."""
    if not args.tsne or seed != args.seeds[0]:
        return None
    name = method.replace(' ', '_').replace('(', '').replace(')', '')
    return osp.join(args.out, f'{args.name}_tsne', f'{name}_seed{seed}.png')


def method_cfg(method, seed, args):
    config, overrides = METHODS[method]
    options = {
        'train_dataloader.dataset.data_root': args.data_root,
        'randomness.seed': seed,
        **overrides
    }
    if args.epochs is not None:
        options['train_cfg.max_epochs'] = args.epochs
    cfg = load_cfg(
        osp.join(ROOT, config),
        cfg_options=options,
        work_dir=osp.join(args.work_dir, f'{method}_seed{seed}'))
    epochs = cfg.train_cfg.max_epochs
    # The configs' schedule spans their own epochs: stretch it to the budget.
    for scheduler in cfg.param_scheduler:
        if scheduler.get('by_epoch', True) and 'T_max' in scheduler:
            scheduler.update(T_max=epochs, begin=0, end=epochs)
    interval = args.eval_interval or max(1, epochs // 5)
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type') == 'OnlineLinearProbeHook':
            hook.val_dataset.data_root = args.data_root
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='KNNEvalHook', interval=interval, k=KNN_K,
             temperature=KNN_T, **eval_datasets(args.data_root))
    ]
    cfg.default_hooks.checkpoint.update(interval=epochs, max_keep_ckpts=1)
    cfg.experiment_name = f'{args.name}_{method}_seed{seed}'
    return cfg


def pretrain(method, seed, args):
    cfg = method_cfg(method, seed, args)
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    minutes = (time.time() - start) / 60
    knn_hook = next(h for h in runner.hooks if isinstance(h, KNNEvalHook))
    probe = next((h for h in runner.hooks
                  if isinstance(h, OnlineLinearProbeHook) and h.enabled), None)
    online = {}
    if probe is not None and probe.history:
        online = dict(
            online_curve=[[e, round(top1, 2)] for e, top1 in probe.history],
            online_linear_top1=round(probe.history[-1][1], 2))
    epochs = cfg.train_cfg.max_epochs
    return dict(
        method=method,
        seed=seed,
        epochs=epochs,
        minutes=round(minutes, 2),
        curve=[[e, round(top1, 2)] for e, top1 in knn_hook.history],
        checkpoint=osp.join(cfg.work_dir, f'epoch_{epochs}.pth'),
        **online,
        **final_scores(runner.model, args.data_root,
                       tsne_path(method, seed, args),
                       f'{method}, seed {seed}'))


def random_init(seed, args):
    """One run per :data:`RANDOM` row: the frozen random backbone's scores."""
    cfg = method_cfg(args.methods[0], seed, args)
    runs = []
    for name, init in RANDOM.items():
        torch.manual_seed(seed)
        model = build_probe_model(cfg.model, random_init=init)
        runs.append(
            dict(method=name, seed=seed, epochs=0, minutes=0., curve=[],
                 checkpoint=None,
                 **final_scores(model, args.data_root,
                                tsne_path(name, seed, args),
                                f'{name}, seed {seed}')))
    return runs


def _mean_std(values):
    mean = statistics.fmean(values)
    return mean, (statistics.pstdev(values) if len(values) > 1 else 0.)


def summarize(runs):
    """One row per method: means and spreads over its seeds and, for a HEXA
    method, the mean and spread of its per-seed difference to what it is
    compared with (:data:`BASELINES`) on the same seeds: the paired
    comparison, which the seed's share of the noise (data order,
    initialisation) disturbs least."""
    rows = []
    for method in dict.fromkeys(r['method'] for r in runs):
        mine = [r for r in runs if r['method'] == method]
        row = dict(method=method, seeds=len(mine), epochs=mine[0]['epochs'],
                   minutes=round(statistics.fmean(r['minutes'] for r in mine),
                                 2), baseline=BASELINES.get(method))
        base = {r['seed']: r for r in runs if r['method'] == row['baseline']}
        paired = [r for r in mine if r['seed'] in base]
        if all('online_linear_top1' in r for r in mine):
            mean, std = _mean_std([r['online_linear_top1'] for r in mine])
            row.update(online_linear_top1=round(mean, 2),
                       online_linear_top1_std=round(std, 2))
        for key in ('knn_top1', 'linear_top1'):
            mean, std = _mean_std([r[key] for r in mine])
            row[key] = round(mean, 2)
            row[key + '_std'] = round(std, 2)
            if paired:
                mean, std = _mean_std(
                    [r[key] - base[r['seed']][key] for r in paired])
                row[key + '_diff'] = round(mean, 2)
                row[key + '_diff_std'] = round(std, 2)
        rows.append(row)
    return rows


def markdown(rows):
    lines = [
        f'| method | epochs | seeds | minutes / run | kNN top-1 (k={KNN_K}) '
        '| linear top-1 | kNN / linear minus the baseline, same seed '
        '| online linear top-1, last epoch |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for r in rows:
        if 'knn_top1_diff' in r:
            diff = f"{r['baseline']}: " + ' / '.join(
                f"{r[k + '_diff']:+.1f} +- {r[k + '_diff_std']:.1f}"
                for k in ('knn_top1', 'linear_top1'))
        elif r['baseline']:
            diff = f"{r['baseline']} not run"
        else:
            diff = ''
        online = (f"{r['online_linear_top1']:.1f} +- "
                  f"{r['online_linear_top1_std']:.1f}"
                  if 'online_linear_top1' in r else '')
        lines.append(
            f"| {r['method']} | {r['epochs']} | {r['seeds']} | "
            f"{r['minutes']:.1f} | {r['knn_top1']:.1f} +- "
            f"{r['knn_top1_std']:.1f} | {r['linear_top1']:.1f} +- "
            f"{r['linear_top1_std']:.1f} | {diff} | {online} |")
    return '\n'.join(lines)


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


def plot(runs, path):
    """kNN top-1 against epoch per method (mean +- std over seeds) and the
    random backbones' as dashed lines; beside it, where runs have one, the
    online linear probe's top-1 (the random lines: their final linear
    probe's)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    online = any(r.get('online_curve') for r in runs)
    fig, axes = plt.subplots(1, 2 if online else 1, squeeze=False,
                             figsize=(12.0 if online else 6.4, 4.2))
    _draw_curves(axes[0, 0], runs, 'curve', 'knn_top1',
                 f'kNN top-1 (%), k={KNN_K}, 500 val digits')
    if online:
        _draw_curves(axes[0, 1], runs, 'online_curve', 'linear_top1',
                     'online linear probe top-1 (%), 500 val digits')
    seeds = len({r['seed'] for r in runs})
    axes[0, 0].set_title(f'Embedded digits, {seeds} seed(s)')
    fig.tight_layout()
    tmp = path + '.tmp.png'
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)


def write_results(runs, args):
    os.makedirs(args.out, exist_ok=True)
    stem = osp.join(args.out, args.name)
    rows = summarize(runs)
    table = markdown(rows)
    atomic_write_bytes(
        json.dumps(dict(summary=rows, runs=runs), indent=2).encode(),
        stem + '.json')
    atomic_write_bytes((table + '\n').encode(), stem + '.md')
    plot(runs, stem + '.png')
    return table


def main(argv=None, defaults=None):
    args = parse_args(argv, defaults)
    init_default_scope('mmselfsup')  # as the configs do, for the eval pipeline
    export_digits(args.data_root)
    runs = []
    for seed in args.seeds:
        runs.extend(random_init(seed, args))
        for method in args.methods:
            print(f'== {method}, seed {seed} ==', flush=True)
            runs.append(pretrain(method, seed, args))
            write_results(runs, args)
    table = write_results(runs, args)
    print('\n' + table + '\n')
    stem = osp.join(args.out, args.name)
    print(f'results: {stem}.md, {stem}.json, {stem}.png')
    return runs


if __name__ == '__main__':
    run_cli(main)
