"""Evaluate a trained model (e.g. a linear-probe or fine-tuned classifier).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..')))

from mmengine.runner import Runner  # noqa: E402

from hexa_mm.utils import add_common_args, close_distributed, load_cfg  # noqa


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} does not exist')
    cfg = load_cfg(args.config, args.launcher, args.cfg_options, args.work_dir,
                   args.local_rank)
    cfg.load_from = args.checkpoint
    try:
        metrics = Runner.from_cfg(cfg).test()
    finally:
        close_distributed()
    print(metrics)
    return metrics


if __name__ == '__main__':
    main()
