"""The chain's summary: each step's metrics, as JSON and as a Markdown table
of the pre-trained backbone beside a randomly initialised one."""
import json
import os.path as osp
from typing import Dict, Optional

from ..report_io import write_json, write_text
from .catalogue import ChainError, Step
from .commands import Plan, first_command, metrics_path

#: Metrics the Markdown table shows when a step reports them (the JSON has all).
HEADLINE = ('knn_top1', '1shot_top1', '5shot_top1', '10shot_top1',
            'accuracy/top1', 'accuracy/top5', 'pascal_voc/mAP',
            'pascal_voc/AP50', 'pascal_voc/AP75', 'coco/bbox_mAP',
            'coco/bbox_mAP_50', 'coco/bbox_mAP_75', 'coco/segm_mAP')


def read_metrics(step: Step, work: str) -> dict:
    """The numbers a step's tool wrote (its settings, e.g. ``k``, left out)."""
    path = metrics_path(step, work)
    if not osp.isfile(path):
        raise ChainError(f'step {step.name!r} wrote no metrics ({path})')
    with open(path) as f:
        result = json.load(f)
    return {
        k: v
        for k, v in result.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
        and k not in ('k', 'temperature', 'draws', 'seed', 'C')
    }


def _digits(key: str) -> int:
    """Decimals shown: MMDetection's metrics are fractions, not percent."""
    return 3 if key.startswith(('pascal_voc/', 'coco/')) else 2


def format_value(metrics: dict, key: str) -> str:
    value = metrics.get(key)
    if value is None:
        return '-'
    std = metrics.get(f'{key}_std')
    n = _digits(key)
    return f'{value:.{n}f}' + (f' ± {std:.{n}f}' if std is not None else '')


def _status(step: Optional[dict]) -> str:
    if step is None:
        return ''
    if step['status'] == 'failed':
        return f'failed (`{step["log"]}`)'
    return step['status']


def _step_rows(name: str, step: dict, random: Optional[dict]):
    pre_m = step.get('metrics') or {}
    rnd_m = (random or {}).get('metrics') or {}
    keys = [k for k in HEADLINE if k in pre_m or k in rnd_m] or sorted(
        k for k in set(pre_m) | set(rnd_m) if not k.endswith('_std'))
    if not keys:
        yield (f'| {name} | - | {_status(step)} | '
               f'{_status(random) if random else ""} | |')
        return
    for key in keys:
        diff = ''
        if key in pre_m and key in rnd_m:
            diff = f'{pre_m[key] - rnd_m[key]:+.{_digits(key)}f}'
        pre = format_value(pre_m, key) if pre_m else _status(step)
        rnd = (format_value(rnd_m, key) if rnd_m else _status(random)
               ) if random else ''
        yield f'| {name} | {key} | {pre} | {rnd} | {diff} |'


def markdown(summary: dict) -> str:
    steps = {s['name']: s for s in summary['steps']}
    lines = [
        f'# Downstream evaluation ({summary["suite"]} suite'
        f'{", --quick" if summary["quick"] else ""})', '',
        f'- pre-training config: `{summary["pretrain_config"]}` '
        f'({summary["algorithm"]})',
        f'- checkpoint: `{summary["checkpoint"]}`',
        f'- backbone: `{summary["backbone"]}`', '',
        '| step | metric | pre-trained | random init | difference |',
        '|---|---|---|---|---|'
    ]
    for name, step in steps.items():
        if name.endswith('-random') and name[:-len('-random')] in steps:
            continue  # shown beside its pre-trained twin
        lines += _step_rows(name, step, steps.get(f'{name}-random'))
    failed = [s for s in summary['steps'] if s['status'] == 'failed']
    if failed:
        lines += [''] + [
            f'- **{s["name"]} failed**: {s["error"]}' for s in failed
        ]
    return '\n'.join(lines) + '\n'


def write_summary(summary: dict, work_dir: str) -> None:
    """``summary.json`` and ``summary.md`` in ``work_dir``, each atomically."""
    write_json(osp.join(work_dir, 'summary.json'), summary, newline=True)
    write_text(osp.join(work_dir, 'summary.md'), markdown(summary))


def reusable_steps(plan: Plan, path: str) -> Dict[str, dict]:
    """The steps of an earlier summary that ran exactly as they would now:
    same checkpoint, done, and the same command line."""
    with open(path) as f:
        old = json.load(f)
    if old.get('checkpoint') != plan.args.checkpoint:
        return {}
    records = {s['name']: s for s in old.get('steps', [])}
    done = {}
    for step in plan.steps:
        record = records.get(step.name)
        if (record and record['status'] == 'ok' and record.get('commands')
                and record['commands'][0] == first_command(plan, step)):
            done[step.name] = record
    return done
