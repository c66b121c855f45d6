"""The command lines of the chain's steps: the tools of the chain's root
folder (``args.root``), under the launcher the user asked for."""
import argparse
import os.path as osp
import shlex
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config

from .catalogue import Step

#: How a dry run shows the checkpoint that the training step will write.
LAST_CHECKPOINT = '"$(cat {})"'


@dataclass
class Plan:
    """What the chain knows before it runs anything."""
    args: argparse.Namespace
    pretrain: Config
    algorithm: str
    steps: List[Step]
    work_dir: str
    backbone_path: str
    dataset: str
    #: The extracted backbone (None in a dry run).
    state: Optional[dict] = None
    #: step name -> {'train': [...], 'test': [...]} --cfg-options
    options: Dict[str, Dict[str, List[str]]] = field(default_factory=dict)


def launch_prefix(args, job: str) -> Tuple[List[str], List[str]]:
    """(the command line before the tool's path, the tool's launcher args):
    the launch of tools/dist_train.sh (torchrun) and tools/slurm_train.sh
    (srun) for any tool."""
    if args.launcher == 'none':
        return [sys.executable], []
    if args.launcher == 'pytorch':
        return [
            sys.executable, '-m', 'torch.distributed.run',
            f'--nproc_per_node={args.gpus}', f'--master_port={args.port}'
        ], ['--launcher', 'pytorch']
    per_node = min(args.gpus, 8)
    return ['srun'] + (['-p', args.partition] if args.partition else []) + [
        f'--job-name={job}', f'--gres=gpu:{per_node}', f'--ntasks={args.gpus}',
        f'--ntasks-per-node={per_node}',
        f'--cpus-per-task={args.cpus_per_task}', '--kill-on-bad-exit=1',
        *shlex.split(args.srun_args or ''), sys.executable, '-u'
    ], ['--launcher', 'slurm']


def tool(plan: Plan, name: str) -> str:
    """The path of ``tools/<name>`` in the chain's root folder."""
    return osp.join(plan.args.root, 'tools', name)


def step_config(plan: Plan, step: Step) -> str:
    """The path of a training step's downstream config: the catalogue's
    path, relative to the chain's root folder (an absolute one as it is)."""
    return osp.join(plan.args.root, step.config)


def metrics_path(step: Step, work: str) -> str:
    """Where ``step``'s tool writes its metrics (JSON)."""
    return osp.join(work, {
        'knn': 'knn.json',
        'kshot': 'kshot.json'
    }.get(step.kind, 'metrics.json'))


def cfg_options(options: List[str]) -> List[str]:
    # argparse rejects a --cfg-options without values.
    return ['--cfg-options', *options] if options else []


def feature_commands(plan: Plan, step: Step) -> List[List[str]]:
    """The one command of a kNN or k-shot step."""
    args = plan.args
    prefix, launcher = launch_prefix(args, f'hexa-{step.name}')
    work = osp.join(plan.work_dir, step.name)
    cmd = prefix + [
        tool(plan, f'benchmarks/{step.kind}.py'), args.config
    ] + ([] if step.random else [args.checkpoint]) + [
        '--dataset', plan.dataset, '--out',
        metrics_path(step, work)
    ] + launcher
    if args.data_root:
        cmd += ['--data-root', osp.join(args.data_root, plan.dataset)]
    if step.kind == 'knn':
        cmd += ['--k', '20' if plan.dataset == 'digits' else '200']
    else:
        cmd += ['--shots', *map(str, args.shots), '--draws', str(args.draws)]
    return [cmd + cfg_options(args.cfg_options or [])]


def train_commands(plan: Plan, step: Step,
                   checkpoint: Optional[str] = None) -> List[List[str]]:
    """tools/train.py, then tools/test.py on ``checkpoint`` (by default a
    placeholder naming the file the training's ``last_checkpoint`` names)."""
    args = plan.args
    prefix, launcher = launch_prefix(args, f'hexa-{step.name}')
    work = osp.join(plan.work_dir, step.name)
    config = step_config(plan, step)
    options = plan.options[step.name]
    checkpoint = checkpoint or LAST_CHECKPOINT.format(
        osp.join(work, 'last_checkpoint'))
    return [
        prefix + [tool(plan, 'train.py'), config, '--work-dir', work] +
        launcher + cfg_options(options['train']),
        prefix + [
            tool(plan, 'test.py'), config, checkpoint, '--work-dir', work,
            '--out-metrics',
            osp.join(work, 'metrics.json')
        ] + launcher + cfg_options(options['test'])
    ]


def step_commands(plan: Plan, step: Step) -> List[List[str]]:
    """Every command of ``step`` (a training step's test with the
    placeholder checkpoint)."""
    return (train_commands(plan, step)
            if step.kind == 'train' else feature_commands(plan, step))


def first_command(plan: Plan, step: Step) -> List[str]:
    """The command that fixes a step's result: its training, or its only
    command (the test's checkpoint is known after the training only)."""
    return step_commands(plan, step)[0]


def shell_line(cmd: List[str]) -> str:
    return ' '.join(c if c.startswith('"$(cat ') else shlex.quote(c)
                    for c in cmd)
