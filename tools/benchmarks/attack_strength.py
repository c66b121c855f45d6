"""How hard each attack is on a trained model: the adversarial examples'
pseudo-label loss over the clean loss of the same views, per eps and number
of attack steps.

    python tools/benchmarks/attack_strength.py CHECKPOINT
        [--config configs/hexa_moco_r18_digits.py] [--eps 2 8]
        [--steps 1 3] [--batches 4] [--seed 0]
        [--cfg-options KEY=VALUE ...] [--out results/attack_strength]

Every combination of --eps (in 1/255 of the pixel range) and --steps (one:
FGSM; more: PGD from the clean view) is measured on the same batches, in the
HEXA algorithm of --config (default: the digits HEXA-MoCo config of the
checkout that holds this tool) with CHECKPOINT's weights
(hexa_mm.benchmarks.attack_strength). The cut-mixed examples' figure is
printed beside it. --out gets ``.md`` and ``.json`` (relative to the current
directory).
"""
import argparse
import itertools
import os.path as osp

from mmengine.config import DictAction

from hexa_mm.benchmarks.attack_strength import attack_strength, markdown
from hexa_mm.benchmarks.report_io import write_json, write_text
from hexa_mm.utils.errors import run_cli

#: The configs of the checkout that holds this tool (tools/benchmarks/).
CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('checkpoint', help='a pre-training checkpoint')
    parser.add_argument('--config',
                        default=osp.join(CONFIGS, 'hexa_moco_r18_digits.py'),
                        help='a HEXA pre-training config')
    parser.add_argument('--eps', type=float, nargs='+', default=[2., 8.],
                        help='L-inf bounds, in 1/255 of the pixel range')
    parser.add_argument('--steps', type=int, nargs='+', default=[1, 3],
                        help='attack steps (1: FGSM, more: PGD)')
    parser.add_argument('--batches', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out',
                        default=osp.join('results', 'attack_strength'),
                        help='path of the report without its suffix')
    args = parser.parse_args(argv)
    attacks = [
        dict(eps=eps / 255, steps=steps)
        for eps, steps in itertools.product(args.eps, args.steps)
    ]
    rows = attack_strength(args.checkpoint, args.config, attacks,
                           args.cfg_options, args.batches, args.seed)
    table = markdown(rows)
    print(table)
    write_text(args.out + '.md', table + '\n')
    write_json(args.out + '.json', dict(settings=vars(args), rows=rows))
    return rows


if __name__ == '__main__':
    run_cli(main)
