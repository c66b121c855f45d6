"""Everything the chain checks and works out before a step runs: the input,
the extracted backbone, and each step's options."""
import os.path as osp
from typing import Dict

from mmengine.config import Config

from hexa_mm.utils.checkpoint import (build_bare_backbone, extract_backbone,
                                      misfit_lines, state_shapes)
from .catalogue import ChainError, Step, suite_steps
from .commands import Plan, step_config
from .config_surgery import (apply_options, channel_options, data_root_options,
                             forwarded_backbone_options, init_options,
                             quick_options)


def check_backbone_fit(config: str, pretrain_config: str,
                       shapes: Dict[str, tuple], reference: Dict[str, tuple],
                       source: str, allow_unused: bool) -> None:
    """Raise ChainError when ``reference`` (the pre-trained backbone's
    shapes) does not fit ``shapes`` (the downstream backbone's)."""
    misfit = misfit_lines(shapes, reference, allow_unused)
    if not misfit:
        return
    raise ChainError('\n'.join([
        f'the backbone of {source} does not fit model.backbone of {config} '
        f'(its pre-training config: {pretrain_config}):', *misfit,
        '  Pre-train with the backbone the downstream configs use (digits: '
        'configs/_base_/models/digits_resnet18.py) and give the chain the '
        'pre-training run\'s --cfg-options.'
    ]))


def plan_train_step(plan: Plan, step: Step, reference: Dict[str, tuple],
                    source: str) -> None:
    """Work out ``step``'s options and check the backbone fits its config."""
    config = step_config(plan, step)
    if not osp.isfile(config):
        raise ChainError(f'step {step.name!r}: config {config} not found '
                         '(--root names the folder of configs/ and tools/)')
    down = Config.fromfile(config)
    # Model and data: training and test alike.
    common = forwarded_backbone_options(plan.pretrain, down)
    trunk = build_bare_backbone(apply_options(down, common))
    check_backbone_fit(step.config, plan.args.config, state_shapes(trunk),
                       reference, source, allow_unused=step.detection)
    if common:
        old = getattr(build_bare_backbone(down), 'feat_dim', None)
        new = getattr(trunk, 'feat_dim', None)
        if old is not None and new is not None:
            common += channel_options(down, old, new)
    common += data_root_options(down, plan.args.data_root)
    # Initialisation: training only (the test loads the trained model).
    train = init_options(down, None if step.random else plan.backbone_path)
    test = []
    if plan.args.quick:
        quick_train, test = quick_options(down, step, plan.args.gpus)
        train += quick_train
    plan.options[step.name] = dict(train=common + train, test=common + test)


def _check_args(args) -> None:
    if not osp.isfile(osp.join(args.root, 'tools', 'train.py')):
        raise ChainError(f'--root {args.root}: no tools/train.py there; it '
                         'must name the folder of the configs/ and tools/ '
                         'that the steps run')
    if not osp.isfile(args.config):
        raise ChainError(f'pre-training config {args.config} not found')
    if not osp.isfile(args.checkpoint):
        raise ChainError(f'checkpoint {args.checkpoint} not found')
    if args.gpus < 1:
        raise ChainError(f'--gpus {args.gpus}: expected >= 1')
    if args.jobs < 1 or (args.jobs > 1 and args.launcher == 'pytorch'):
        raise ChainError(f'--jobs {args.jobs}: expected >= 1, and 1 with '
                         '--launcher pytorch (the steps share the GPUs)')
    if args.launcher == 'none' and args.gpus != 1:
        raise ChainError(f'--gpus {args.gpus} needs --launcher pytorch or '
                         'slurm')
    if args.linear_config and not osp.isfile(args.linear_config):
        raise ChainError(f'--linear-config {args.linear_config} not found')


def make_plan(args) -> Plan:
    """Check the input, extract the backbone, work out every step's
    options; raise ChainError on anything wrong before a step runs."""
    _check_args(args)
    args.root = osp.abspath(args.root)
    args.config = osp.abspath(args.config)
    args.checkpoint = osp.abspath(args.checkpoint)
    if args.data_root:
        args.data_root = osp.abspath(args.data_root)
    if args.linear_config:
        args.linear_config = osp.abspath(args.linear_config)
    suite = args.suite or ('digits' if 'digits' in osp.basename(args.config)
                           else 'imagenet')
    pretrain = apply_options(Config.fromfile(args.config), args.cfg_options)
    algorithm = str(pretrain.model.type).split('.')[-1]
    available = suite_steps(suite, algorithm, args.linear_config)
    names = args.steps or [n for n, s in available.items() if s.default]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ChainError(f'unknown step(s) {unknown} for the {suite} suite; '
                         f'its steps: {", ".join(available)}')
    if len(set(names)) != len(names):
        raise ChainError(f'--steps names a step twice: {names}')
    work_dir = osp.abspath(args.work_dir or osp.join(
        'work_dirs', 'chain_' + osp.splitext(osp.basename(args.config))[0]))
    plan = Plan(args, pretrain, algorithm, [available[n] for n in names],
                work_dir, osp.join(work_dir, 'backbone.pth'), suite)
    if not args.dry_run:
        try:
            plan.state = extract_backbone(args.checkpoint)
        except Exception as e:  # unreadable file, no backbone keys, ...
            raise ChainError(f'cannot extract the backbone of checkpoint '
                             f'{args.checkpoint}: {type(e).__name__}: {e}')
    if any(s.kind == 'train' for s in plan.steps):
        if args.dry_run:
            # Nothing is extracted: the pre-training config's own backbone
            # stands in for the checkpoint's.
            reference = state_shapes(build_bare_backbone(pretrain))
            source = f'{args.config} (model.backbone)'
        else:
            reference = state_shapes(plan.state)
            source = args.checkpoint
        for step in plan.steps:
            if step.kind == 'train':
                plan_train_step(plan, step, reference, source)
    return plan
