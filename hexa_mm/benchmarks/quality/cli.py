"""The command line that ``tools/benchmarks/quality.py`` and ``tools/demo.py``
share (the demo is the benchmark with its own defaults)."""
import argparse
import os.path as osp

from ..paths import REPO_ROOT
from .methods import DATASETS, METHODS
from .result_files import merge_quality
from .runs import run_quality

DESCRIPTION = ('Does HEXA beat its baseline? Pre-train on an embedded data '
               'set (digits or shapes) over seeds.')
#: ``make demo``: the two baselines and their HEXA versions, one seed, each
#: HEXA algorithm's measured best setting (cut-mixed hard examples only)
#: beside the paper's.
DEMO = dict(
    methods=['mocov2', 'hexa_moco', 'hexa_moco_cutmix', 'deepclusterv2',
             'hexa_dcluster', 'hexa_dcluster_cutmix'],
    seeds=[0],
    name='demo',
    out=osp.join(REPO_ROOT, 'results'),
    work_dir=osp.join(REPO_ROOT, 'work_dirs', 'demo'))


def parse_args(argv=None, defaults=None):
    """The command line of ``tools/benchmarks/quality.py``, or of
    ``tools/demo.py`` with ``defaults=DEMO``."""
    defaults = {
        **dict(
            methods=['mocov2', 'hexa_moco', 'hexa_moco_f0.5',
                     'hexa_moco_f0.25', 'hexa_moco_cutmix'],
            seeds=[0, 1, 2],
            epochs=None,
            eval_interval=None,
            name='quality',
            out=osp.join(REPO_ROOT, 'results', 'quality'),
            work_dir=osp.join(REPO_ROOT, 'work_dirs', 'quality')),
        **(defaults or {})
    }
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument('--methods', nargs='+', choices=list(METHODS))
    parser.add_argument('--seeds', nargs='+', type=int)
    parser.add_argument(
        '--epochs', type=int,
        help="pre-training epochs of every method (default: each config's)")
    parser.add_argument(
        '--eval-interval', type=int,
        help='epochs between kNN evaluations (default: 5 per run)')
    parser.add_argument(
        '--dataset', choices=DATASETS, default='digits',
        help="the embedded set to pre-train on, with each method's config "
        'for it (default: digits)')
    parser.add_argument(
        '--data-root',
        help='where the set is exported (default: data/DATASET)')
    parser.add_argument('--work-dir', help='checkpoints and logs')
    parser.add_argument('--out', help='folder of the tables and the plot')
    parser.add_argument('--name', help='file name stem of the results')
    parser.add_argument(
        '--resume', action='store_true',
        help='keep the runs already in <out>/<name>.json (same data set and '
        'epochs) and run only the missing methods and seeds')
    parser.add_argument(
        '--merge', nargs='+', metavar='JSON',
        help='train nothing: merge these result files (one data set; a '
        "later file's run of a method and seed replaces an earlier one's) "
        'into <out>/<name>')
    parser.add_argument(
        '--no-tsne', dest='tsne', action='store_false',
        help='skip the t-SNE maps of the features')
    parser.set_defaults(**defaults)
    args = parser.parse_args(argv)
    if args.merge and args.resume:
        parser.error('--merge trains nothing, so it has nothing to --resume')
    if args.data_root is None:
        args.data_root = osp.join(REPO_ROOT, 'data', args.dataset)
    for flag, value in (('--epochs', args.epochs),
                        ('--eval-interval', args.eval_interval)):
        if value is not None and value < 1:
            parser.error(f'{flag} {value}: expected >= 1')
    return args


def main(argv=None, defaults=None) -> list:
    """Run (or, with ``--merge``, merge) what the command line asks for;
    returns the runs."""
    args = parse_args(argv, defaults)
    return merge_quality(args) if args.merge else run_quality(args)
