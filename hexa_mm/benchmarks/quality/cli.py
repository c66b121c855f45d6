"""The command line of ``tools/benchmarks/quality.py`` (and ``tools/demo.py``,
which runs the demo protocol): run a protocol, show where it stands, report
it, apply a selection's decision or a report's recommendation, render the
documents' result blocks."""
import argparse
import os.path as osp
import time
from typing import List, Optional

from mmengine.config import DictAction

from hexa_mm.utils.errors import UserError
from .decision import decide, decision_table
from .plot import plot
from .protocol import load_protocol
from .recommendation import (mark_recommended, recommend,
                             recommendation_table)
from .render import (comparisons_table, provenance, render_documents,
                     scores_table, seeds_table)
from .result_files import (plot_path, protocol_of, read_results,
                           result_path, run_key, running_runs)
from .runs import run_protocol
from .summary import minutes_left, missing_runs, require_complete

DESCRIPTION = ('Does HEXA beat its baseline? Run a protocol of pre-trainings '
               'on the embedded sets over seeds, and report it.')


def parse_args(argv=None, defaults: Optional[dict] = None):
    """The command line; ``defaults`` sets the ``run`` command's defaults
    (the demo's)."""
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    commands = parser.add_subparsers(dest='command', required=True)
    run = commands.add_parser(
        'run', help='run what is missing of a protocol (all, or a part)')
    run.add_argument('protocol', help='protocol file (protocols/*.py)')
    run.add_argument('--datasets', nargs='+', help='only these sets')
    run.add_argument('--methods', nargs='+', help='only these methods')
    run.add_argument('--seeds', nargs='+', type=int, help='only these seeds')
    run.add_argument(
        '--data-root', default='data/{dataset}',
        help='where each set is exported ({dataset} stands for its name; '
        'default: data/{dataset})')
    run.add_argument('--out', default='results',
                     help='folder of the result file <protocol name>.json')
    run.add_argument('--work-dir', default='work_dirs/quality',
                     help='checkpoints and logs')
    run.add_argument('--tsne', action='store_true',
                     help='t-SNE maps of the first seed\'s features')
    run.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help="overrides of every method's config, for a demo protocol only "
        '(e.g. train_cfg.max_epochs=1 for a quick look): a report or '
        'selection protocol runs as written')
    run.set_defaults(**(defaults or {}))
    for name, text in (('status', 'which runs a result file holds and '
                        'which are missing'),
                       ('report', 'the tables of a complete result file'),
                       ('decide', "a complete selection's decision: the "
                        'settings that go to the report'),
                       ('recommend', "a complete report's recommendation: "
                        "the setting each family's defaults follow")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument('result', help='result file (results/*.json)')
    render = commands.add_parser(
        'render', help='rewrite the result blocks of documents from their '
        'result files')
    render.add_argument('documents', nargs='+', help='markdown files')
    render.add_argument('--check', action='store_true',
                        help='write nothing; fail when a block differs')
    return parser.parse_args(argv)


def _tables(protocol, runs) -> str:
    return '\n\n'.join([scores_table(protocol, runs),
                        comparisons_table(protocol, runs),
                        seeds_table(protocol, runs)])


def main(argv=None, defaults: Optional[dict] = None) -> List[dict]:
    """Run the command; returns the runs it ran or read (``render``: the
    stale blocks)."""
    args = parse_args(argv, defaults)
    if args.command == 'render':
        stale = render_documents(args.documents, check=args.check)
        if args.check and stale:
            raise UserError('result blocks that differ from their result '
                            'files: ' + '; '.join(stale) + ' (rewrite them '
                            'with tools/benchmarks/quality.py render)')
        return stale
    if args.command == 'run':
        protocol = load_protocol(args.protocol)
        # Before the runs: a recommendation the demo cannot show fails now.
        shown, note = (mark_recommended(protocol) if protocol.recommended_by
                       else (protocol, ''))
        runs = run_protocol(protocol, args.out, args.work_dir,
                            args.data_root, args.datasets, args.methods,
                            args.seeds, args.tsne, args.cfg_options)
        path = result_path(protocol, args.out)
        for dataset in protocol.datasets:
            plot(runs, plot_path(protocol, args.out, dataset), dataset)
        print('\n' + provenance(protocol, runs, path) + '\n\n' +
              _tables(shown, runs) + '\n' + (f'\n{note}\n' if note else ''))
        return runs
    protocol = protocol_of(args.result)
    runs = read_results(args.result)['runs']
    if args.command == 'status':
        missing = missing_runs(protocol, runs)
        print(f'{args.result}: {len(runs)} runs, {len(missing)} missing')
        if missing:
            minutes, unknown = minutes_left(protocol, runs)
            print(f'  about {minutes / 60:.1f} CPU-hours left at the minutes '
                  'a run of the same method and set took'
                  + (f', plus {len(unknown)} run(s) of a method and set '
                     'never run yet' if unknown else ''))
        running = {run_key(c): c
                   for c in running_runs(protocol, osp.dirname(args.result))}
        for method, dataset, seed in missing:
            claim = running.get((method, dataset, seed))
            note = '' if claim is None else (
                f" (running: pid {claim['pid']} on {claim['host']} since "
                + time.strftime('%Y-%m-%d %H:%M',
                                time.localtime(claim['since'])) + ')')
            print(f'  missing: {method} on {dataset}, seed {seed}{note}')
        return runs
    if args.command == 'decide':
        families = decide(protocol, runs)
        print(decision_table(protocol, families) + '\n')
        for family in families.values():
            print('The report runs: ' + ', '.join(family['report']))
        return runs
    if args.command == 'recommend':
        print(recommendation_table(protocol, recommend(protocol, runs)))
        return runs
    require_complete(protocol, runs)
    print(provenance(protocol, runs, args.result) + '\n\n' +
          _tables(protocol, runs))
    return runs
