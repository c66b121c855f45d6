"""The quality benchmark's result files: written after every run, read back
to resume an interrupted benchmark (``--resume``), and merged into one
table when a grid ran in pieces, at other times or on other machines
(``--merge``)."""
import json
import os.path as osp

from hexa_mm.utils.errors import UserError
from ..report_io import write_json, write_text
from .plot import plot
from .summary import markdown, summarize


def write_results(runs, dataset, stem):
    """``<stem>.json`` (every run and the summary), ``<stem>.md`` (the
    table) and ``<stem>.png`` (the curves); returns the table."""
    rows = summarize(runs)
    table = markdown(rows)
    write_json(stem + '.json', dict(dataset=dataset, summary=rows, runs=runs))
    write_text(stem + '.md', table + '\n')
    plot(runs, stem + '.png', dataset)
    return table


def read_runs(path, dataset=None):
    """The data set and the runs of the result file ``path``; with
    ``dataset``, the file must hold runs on that set."""
    try:
        with open(path) as f:
            saved = json.load(f)
    except FileNotFoundError:
        raise UserError(f'{path}: no such result file') from None
    except json.JSONDecodeError as error:
        raise UserError(f'{path}: not JSON ({error})') from None
    if not isinstance(saved, dict) or not {'dataset', 'runs'} <= set(saved):
        raise UserError(f'{path}: not a result file of the quality benchmark '
                        '(no "dataset" and "runs" keys)')
    if dataset is not None and saved['dataset'] != dataset:
        raise UserError(f"{path}: its runs are on {saved['dataset']!r}, "
                        f'not on {dataset!r}')
    return saved['dataset'], saved['runs']


def merge_runs(paths):
    """The data set and the runs of the result files ``paths``, in file
    order. A run of a method and seed in a later file replaces the earlier
    file's (a rerun; the replacement is printed). The files must be on one
    data set, and every run of a method must have the same epochs: a table
    that mixed them would compare budgets, not methods."""
    dataset, merged, source = None, {}, {}
    for path in paths:
        dataset, runs = read_runs(path, dataset)
        for run in runs:
            key = (run['method'], run['seed'])
            if key in merged:
                print(f'{key[0]}, seed {key[1]}: the run in {path} replaces '
                      f'the one in {source[key]}')
            merged[key], source[key] = run, path
    epochs = {}
    for key, run in merged.items():
        first = epochs.setdefault(run['method'], (run['epochs'], key))
        if first[0] != run['epochs']:
            method, seed = first[1]
            raise UserError(
                f"{method}: {first[0]} epochs on seed {seed} "
                f"({source[first[1]]}), {run['epochs']} on seed {key[1]} "
                f'({source[key]}); merge runs of one budget')
    return dataset, list(merged.values())


def merge_quality(args) -> list:
    """``--merge``: the runs of the result files ``args.merge`` as one table,
    written to ``<args.out>/<args.name>``; returns the runs."""
    stem = osp.join(args.out, args.name)
    if osp.abspath(stem + '.json') in map(osp.abspath, args.merge):
        raise UserError(f'{stem}.json: merged from, so not written to (that '
                        'would lose its replaced runs); choose another '
                        '--name or --out')
    dataset, runs = merge_runs(args.merge)
    print('\n' + write_results(runs, dataset, stem) + '\n')
    print(f'results: {stem}.md, {stem}.json, {stem}.png')
    return runs
