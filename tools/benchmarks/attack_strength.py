"""How hard each attack is on a trained model: the adversarial loss over the
clean loss of the same queries, and how often the positive still wins.

    python tools/benchmarks/attack_strength.py CHECKPOINT
        [--config configs/hexa_moco_r18_digits.py] [--eps 2 8]
        [--steps 1 3] [--reference-size none 224] [--batches 4]
        [--cfg-options KEY=VALUE ...] [--out results/attack_strength]

Every combination of --eps (in 1/255), --steps (more than one: PGD from a
random start) and --reference-size (eps given at that input side; none: at
the config's) is measured on the same batches (hexa_mm.benchmarks.
attack_strength).
"""
import argparse
import itertools
import os.path as osp

from mmengine.config import DictAction

from hexa_mm.benchmarks.attack_strength import attack_strength, markdown
from hexa_mm.benchmarks.paths import REPO_ROOT
from hexa_mm.benchmarks.report_io import write_json, write_text
from hexa_mm.utils.errors import run_cli


def reference_size(text):
    return None if text.lower() == 'none' else int(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('checkpoint')
    parser.add_argument('--config', default=osp.join(
        REPO_ROOT, 'configs', 'hexa_moco_r18_digits.py'))
    parser.add_argument('--eps', type=float, nargs='+', default=[2., 8.])
    parser.add_argument('--steps', type=int, nargs='+', default=[1, 3])
    parser.add_argument('--reference-size', type=reference_size, nargs='+',
                        default=[None, 224])
    parser.add_argument('--batches', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', default=osp.join(REPO_ROOT, 'results',
                                                  'attack_strength'))
    args = parser.parse_args(argv)
    attacks = [
        dict(eps=eps / 255, steps=steps, random_start=steps > 1,
             reference_size=size)
        for eps, steps, size in itertools.product(
            args.eps, args.steps, args.reference_size)
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
