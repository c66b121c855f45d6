"""Running the chain: each step's processes, ``--jobs`` at a time, with the
summary written after every step so that a crash loses nothing measured."""
import copy
import os
import os.path as osp
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

from hexa_mm.utils.checkpoint import save_backbone
from ..child_env import child_env
from .catalogue import ChainError, Step
from .commands import (Plan, feature_commands, metrics_path, shell_line,
                       step_commands, train_commands)
from .planning import make_plan
from .reports import markdown, read_metrics, reusable_steps, write_summary


def run_command(cmd: List[str], log: str, env: dict) -> int:
    with open(log, 'a') as f:
        f.write('$ ' + shell_line(cmd) + '\n')
        f.flush()
        return subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT,
                               env=env)


def _run_processes(plan: Plan, step: Step, work: str, log: str, env: dict,
                   record: dict) -> None:
    """Run ``step``'s commands, appending each to ``record['commands']``;
    raise ChainError when one fails."""
    if step.kind != 'train':
        cmd, = feature_commands(plan, step)
        record['commands'].append(cmd)
        if run_command(cmd, log, env):
            raise ChainError(f'tools/benchmarks/{step.kind}.py failed')
        return
    train, _ = train_commands(plan, step)
    record['commands'].append(train)
    if run_command(train, log, env):
        raise ChainError('tools/train.py failed')
    pointer = osp.join(work, 'last_checkpoint')
    if not osp.isfile(pointer):
        raise ChainError(f'tools/train.py left no {pointer}')
    with open(pointer) as f:
        checkpoint = f.read().strip()
    _, test = train_commands(plan, step, checkpoint)
    record['commands'].append(test)
    if run_command(test, log, env):
        raise ChainError('tools/test.py failed')


def run_step(plan: Plan, step: Step, env: dict, summary: dict, index: int,
             lock: threading.Lock) -> dict:
    """Run ``step``'s processes; record its metrics (or its error) as
    ``summary['steps'][index]`` and write the summary before and after."""
    work = osp.join(plan.work_dir, step.name)
    log = osp.join(plan.work_dir, 'logs', f'{step.name}.log')
    os.makedirs(work, exist_ok=True)
    # Nothing of an earlier run may pass for this one's result.
    for stale in (log, metrics_path(step, work)):
        if osp.exists(stale):
            os.remove(stale)
    record = dict(name=step.name, status='running', log=log,
                  backbone='random' if step.random else 'pre-trained',
                  config=step.config, commands=[])
    # Other steps' threads write the summary too: it only ever holds copies
    # that nobody changes any more.
    with lock:
        summary['steps'][index] = copy.deepcopy(record)
        write_summary(summary, plan.work_dir)
    print(f'[chain] {step.name}: running (log: {log})', flush=True)
    start = time.time()
    try:
        _run_processes(plan, step, work, log, env, record)
        record['metrics'] = read_metrics(step, work)
        record['status'] = 'ok'
    except ChainError as e:
        record['status'] = 'failed'
        record['error'] = f'step {step.name!r}: {e}; see its log {log}'
    record['seconds'] = round(time.time() - start, 1)
    with lock:
        summary['steps'][index] = record
        write_summary(summary, plan.work_dir)
    print(f'[chain] {step.name}: {record["status"]} ({record["seconds"]} s) '
          f'{record.get("metrics", "")}', flush=True)
    return record


def _dry_run(plan: Plan, summary: dict) -> dict:
    for step in plan.steps:
        commands = step_commands(plan, step)
        summary['steps'].append(
            dict(name=step.name, status='planned', commands=commands))
        print(f'# {step.name}')
        for cmd in commands:
            print(shell_line(cmd))
    return summary


def _run_steps(plan: Plan, summary: dict, done: dict) -> List[str]:
    """Run the steps not ``done``, ``--jobs`` at a time, in order; after a
    failure none starts unless ``--keep-going``. Returns the errors."""
    args = plan.args
    # The steps' tools import the hexa_mm that runs the chain.
    env = child_env()
    errors = []
    lock = threading.Lock()
    stop = threading.Event()

    def run(i: int, step: Step) -> None:
        if step.name in done:
            print(f'[chain] {step.name}: done before, kept', flush=True)
            return
        if stop.is_set():
            return  # an earlier step failed: this one stays pending
        record = run_step(plan, step, env, summary, i, lock)
        if record['status'] == 'failed':
            with lock:
                errors.append(record['error'])
            if not args.keep_going:
                stop.set()

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(run, range(len(plan.steps)), plan.steps))
    return errors


def run_chain(args) -> dict:
    """Every downstream evaluation of ``args.checkpoint`` that ``args`` (the
    chain's command line, ``tools/benchmarks/chain.py``; ``args.root`` is the
    folder whose ``configs/`` and ``tools/`` the steps run) asks for; returns
    the summary. Raises ChainError on bad input and, after the others ran,
    for the steps that failed."""
    plan = make_plan(args)
    work_dir = plan.work_dir
    summary = dict(
        suite=plan.dataset,
        pretrain_config=args.config,
        cfg_options=args.cfg_options or [],
        algorithm=plan.algorithm,
        checkpoint=args.checkpoint,
        backbone=plan.backbone_path,
        quick=args.quick,
        launcher=args.launcher,
        gpus=args.gpus,
        steps=[])
    if args.dry_run:
        return _dry_run(plan, summary)

    os.makedirs(osp.join(work_dir, 'logs'), exist_ok=True)
    done = {}
    if args.skip_done and osp.isfile(osp.join(work_dir, 'summary.json')):
        done = reusable_steps(plan, osp.join(work_dir, 'summary.json'))
    if any(s.kind == 'train' for s in plan.steps):
        save_backbone(plan.state, plan.backbone_path, source=args.checkpoint)
        print(f'[chain] backbone of {args.checkpoint} -> {plan.backbone_path}')
    summary['steps'] = [
        done.get(s.name, dict(name=s.name, status='pending'))
        for s in plan.steps
    ]
    write_summary(summary, work_dir)
    errors = _run_steps(plan, summary, done)
    print(markdown(summary))
    print(f'[chain] summary: {osp.join(work_dir, "summary.md")}')
    if errors:
        raise ChainError('\n'.join(errors))
    return summary
