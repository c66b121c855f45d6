"""Pre-train MoCo-v2 and HEXA-MoCo on the embedded digits and compare them.

    python tools/demo.py [--epochs N] [--methods mocov2 hexa_moco]
        [--work-dir work_dirs/demo] [--results results]

Each method trains with the same config budget and seed through MMEngine's Runner
(per-epoch log lines), then the frozen backbone is scored by weighted kNN on the
500 validation digits, beside a randomly initialised backbone of the same kind.
Prints the table and the checkpoints, and writes the table as Markdown and JSON.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..')))

import torch  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from hexa_mm.datasets import (DIGITS_EVAL_PIPELINE, DigitsDataset,  # noqa
                              export_digits)
from hexa_mm.evaluation import knn_eval, sequential_loader  # noqa: E402
from hexa_mm.utils import load_cfg  # noqa: E402
from mmselfsup.registry import MODELS  # noqa: E402

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))
METHODS = {
    'mocov2': 'configs/mocov2_r18_digits.py',
    'hexa_moco': 'configs/hexa_moco_r18_digits.py',
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--epochs', type=int, default=3,
                        help='pre-training epochs per method')
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=list(METHODS))
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data/digits'))
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/demo'))
    parser.add_argument('--results', default=osp.join(ROOT, 'results'))
    parser.add_argument('--knn-k', type=int, default=20,
                        help='neighbours (1,297 training digits)')
    return parser.parse_args(argv)


def knn_score(model, data_root, k):
    train, val = (
        sequential_loader(
            DigitsDataset(data_root, split, pipeline=DIGITS_EVAL_PIPELINE),
            batch_size=256) for split in ('train', 'val'))
    return knn_eval(model, train, val, k=k)


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('mmselfsup')  # as the configs do, for the eval pipeline
    export_digits(args.data_root)
    rows = []
    for method in args.methods:
        cfg = load_cfg(
            osp.join(ROOT, METHODS[method]),
            cfg_options={
                'train_dataloader.dataset.data_root': args.data_root,
                'train_cfg.max_epochs': args.epochs,
            },
            work_dir=osp.join(args.work_dir, method))
        cfg.param_scheduler = [
            dict(type='CosineAnnealingLR', T_max=args.epochs, by_epoch=True,
                 begin=0, end=args.epochs)
        ]
        cfg.experiment_name = f'demo_{method}'
        if method == args.methods[0]:
            # Same architecture, same seed, no training: the bar to beat.
            torch.manual_seed(cfg.randomness.seed)
            random_model = MODELS.build(cfg.model)
            rows.append(dict(method='random init', epochs=0, minutes=0.,
                             knn_top1=knn_score(random_model, args.data_root,
                                                args.knn_k),
                             checkpoint=None))
        start = time.time()
        runner = Runner.from_cfg(cfg)
        runner.train()
        minutes = (time.time() - start) / 60
        ckpt = osp.join(cfg.work_dir, f'epoch_{args.epochs}.pth')
        rows.append(dict(method=method, epochs=args.epochs,
                         minutes=round(minutes, 2),
                         knn_top1=knn_score(runner.model, args.data_root,
                                            args.knn_k),
                         checkpoint=ckpt))

    lines = [
        f'| method | epochs | minutes | kNN top-1 (k={args.knn_k}) |',
        '|---|---|---|---|'
    ] + [
        f"| {r['method']} | {r['epochs']} | {r['minutes']:.1f} | "
        f"{r['knn_top1']:.1f} |" for r in rows
    ]
    table = '\n'.join(lines)
    os.makedirs(args.results, exist_ok=True)
    with open(osp.join(args.results, 'demo.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(args.results, 'demo.json'), 'w') as f:
        json.dump(rows, f, indent=2)
    print('\n' + table + '\n')
    for r in rows:
        if r['checkpoint']:
            print(f"{r['method']} checkpoint: {r['checkpoint']}")
    print(f"tables: {osp.join(args.results, 'demo.md')} and demo.json")
    return rows


if __name__ == '__main__':
    main()
