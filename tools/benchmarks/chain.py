"""Every downstream evaluation of one pre-training checkpoint, one summary.

    python tools/benchmarks/chain.py PRETRAIN_CONFIG CHECKPOINT
        [--suite digits|imagenet] [--steps STEP ...] [--work-dir DIR]
        [--launcher none|pytorch|slurm] [--gpus N] [--partition P]
        [--jobs J] [--quick] [--data-root DIR] [--cfg-options k=v ...]
        [--shots 1 5 10] [--draws 5] [--keep-going] [--skip-done] [--dry-run]

1. Extracts the backbone of CHECKPOINT (hexa_mm.utils.checkpoint, as
   tools/model_converters/extract_backbone_weights.py) to ``DIR/backbone.pth``.
2. Checks, before any step runs, that the backbone of every downstream config
   takes those weights key for key and shape for shape (``--cfg-options`` are
   PRETRAIN_CONFIG's, the ones the pre-training ran with; the architecture keys
   of its ``model.backbone`` that differ from a downstream config's, e.g. a
   narrower ``base_channels``, are forwarded to that config, and the channel
   counts that follow the trunk's output are set with them).
3. Runs the suite's steps, each as its own process (``tools/train.py`` then
   ``tools/test.py --out-metrics``, ``tools/benchmarks/knn.py`` or
   ``tools/benchmarks/kshot.py``; with ``--launcher pytorch`` under ``python -m
   torch.distributed.run --nproc_per_node N`` (torchrun), with ``--launcher
   slurm`` under ``srun``, as tools/dist_train.sh and tools/slurm_train.sh), each
   in ``DIR/<step>/`` with its output in ``DIR/logs/<step>.log``.
4. Writes ``DIR/summary.json`` and ``DIR/summary.md`` (a Markdown table: the
   pre-trained backbone, a randomly initialised one where the suite runs it,
   and their difference) after every step, so a crash loses nothing measured.

Suites (``--steps`` picks among them; default: the starred ones):

- ``digits``: knn* (k = 20), kshot* (``--shots`` labels per class, ``--draws``
  draws each), linear*, semi-1pct*, semi-10pct* (fine-tuning on 1% / 10% of the
  labels), det* (Faster R-CNN on the digit canvases), and ``<step>-random`` for
  each, the same protocol on a randomly initialised backbone (knn-random*,
  kshot-random*, linear-random*, det-random*, semi-1pct-random,
  semi-10pct-random). ``--data-root DIR``: DIR/digits, DIR/digit_canvases.
- ``imagenet``: linear* (MoCo's protocol for MoCo / HEXA-MoCo pre-training,
  SwAV's for DeepCluster-v2 / HEXA-DCluster / SwAV, from the config's
  ``model.type``), voc* (Faster R-CNN R50-C4, VOC07+12), semi-1pct, semi-10pct,
  finetune (100% of the labels), coco (Mask R-CNN R50-C4 1x), coco-fpn, knn.

``--quick`` runs a few iterations of each step (1 epoch of a capped data set
for epoch-based configs) and no validation during training: a check of the
chain, not a measurement. ``--dry-run`` prints the commands and runs nothing.
``--jobs J`` runs J steps at a time (e.g. 2 on a CPU machine with
OMP_NUM_THREADS=1; not with --launcher pytorch); after a failure no new step
starts (``--keep-going``: they all run). ``--skip-done`` keeps the results of
an earlier run in the same work dir whose command line is unchanged.
"""
import argparse
import copy
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, ROOT)

from mmengine.config import Config, DictAction  # noqa: E402

#: Iterations of an iteration-based training step under --quick.
QUICK_ITERS = 4
#: Training images per process of an epoch-based step under --quick.
QUICK_IMAGES_PER_GPU = 64
CLS_DIGITS = 'configs/benchmarks/classification/digits/'
CLS_IMAGENET = 'configs/benchmarks/classification/imagenet/'
DET = 'configs/benchmarks/mmdetection/'
#: ImageNet linear protocol by pre-training algorithm (``model.type``).
LINEAR_BY_ALGORITHM = {
    'MoCo': CLS_IMAGENET + 'resnet50_linear-8xb32-steplr-100e_in1k.py',
    'HEXAMoCo': CLS_IMAGENET + 'resnet50_linear-8xb32-steplr-100e_in1k.py',
    'DeepClusterV2':
    CLS_IMAGENET + 'resnet50_swav-linear-8xb32-coslr-100e_in1k.py',
    'HEXADeepClusterV2':
    CLS_IMAGENET + 'resnet50_swav-linear-8xb32-coslr-100e_in1k.py',
    'SwAV': CLS_IMAGENET + 'resnet50_swav-linear-8xb32-coslr-100e_in1k.py',
}
#: Backbone arguments that belong to a downstream protocol, not to the
#: architecture: never forwarded from the pre-training config.
PROTOCOL_KEYS = {
    'type', '_scope_', '_delete_', 'init_cfg', 'pretrained', 'frozen_stages',
    'norm_eval', 'norm_cfg', 'out_indices', 'num_stages', 'strides',
    'dilations', 'style', 'with_cp', 'zero_init_residual', 'act_cfg',
    'conv_cfg', 'dcn', 'stage_with_dcn', 'plugins', 'contract_dilation',
    'drop_path_rate'
}
#: Keys of the model (outside the backbone) that carry the trunk's channels.
CHANNEL_KEYS = ('in_channels', 'out_channels', 'input_features')
#: Metrics the Markdown table shows when a step reports them (the JSON has all).
HEADLINE = ('knn_top1', '1shot_top1', '5shot_top1', '10shot_top1',
            'accuracy/top1', 'accuracy/top5', 'pascal_voc/mAP',
            'pascal_voc/AP50', 'pascal_voc/AP75', 'coco/bbox_mAP',
            'coco/bbox_mAP_50', 'coco/bbox_mAP_75', 'coco/segm_mAP')


class ChainError(RuntimeError):
    """Bad input to the chain, or a step that failed."""


@dataclass
class Step:
    """One evaluation of the chain.

    Attributes:
        name: As given to ``--steps``.
        kind: ``'knn'``, ``'kshot'`` or ``'train'`` (tools/train.py, then
            tools/test.py on its last checkpoint).
        config: The downstream config of a ``'train'`` step (repository path).
        random: A randomly initialised backbone instead of the pre-trained one.
        detection: A detection config: a narrower backbone (C4) may leave
            checkpoint keys unused; elsewhere every key must be used.
        quick_eval_images: Under --quick, test on the first N images only.
        default: Run when --steps is not given.
    """
    name: str
    kind: str
    config: Optional[str] = None
    random: bool = False
    detection: bool = False
    quick_eval_images: Optional[int] = None
    default: bool = True


def _with_random(steps: List[Step], default_random=()) -> List[Step]:
    out = []
    for step in steps:
        twin = copy.copy(step)
        twin.name, twin.random = f'{step.name}-random', True
        twin.default = step.default and step.name in default_random
        out += [step, twin]
    return out


def suite_steps(suite: str, algorithm: str,
                linear_config: Optional[str] = None) -> Dict[str, Step]:
    """The steps of ``suite`` by name, in running order."""
    if suite == 'digits':
        steps = _with_random(
            [
                Step('knn', 'knn'),
                Step('kshot', 'kshot'),
                Step('linear', 'train',
                     CLS_DIGITS + 'resnet18_linear-1xb64-steplr-200i_digits.py'),
                Step('semi-1pct', 'train',
                     CLS_DIGITS + 'resnet18_semi-1pct-1xb32-steplr-100i_digits.py'),
                Step('semi-10pct', 'train', CLS_DIGITS +
                     'resnet18_semi-10pct-1xb32-steplr-200i_digits.py'),
                Step('det', 'train',
                     DET + 'digits/faster-rcnn_r18_digits-canvas.py',
                     detection=True, quick_eval_images=40),
            ],
            default_random=('knn', 'kshot', 'linear', 'det'))
    elif suite == 'imagenet':
        if linear_config is None:
            if algorithm not in LINEAR_BY_ALGORITHM:
                raise ChainError(
                    f'no ImageNet linear protocol is known for pre-training '
                    f'algorithm {algorithm!r} (model.type); known: '
                    f'{", ".join(sorted(LINEAR_BY_ALGORITHM))}; name one with '
                    '--linear-config')
            linear_config = LINEAR_BY_ALGORITHM[algorithm]
        n = 64  # test images under --quick
        steps = [
            Step('linear', 'train', linear_config, quick_eval_images=n),
            Step('voc', 'train',
                 DET + 'voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py',
                 detection=True, quick_eval_images=n),
            Step('semi-1pct', 'train',
                 CLS_IMAGENET + 'resnet50_semi-1pct-8xb32-steplr-20e_in1k.py',
                 quick_eval_images=n, default=False),
            Step('semi-10pct', 'train',
                 CLS_IMAGENET + 'resnet50_semi-10pct-8xb32-steplr-20e_in1k.py',
                 quick_eval_images=n, default=False),
            Step('finetune', 'train',
                 CLS_IMAGENET + 'resnet50_ft-8xb32-steplr-20e_in1k.py',
                 quick_eval_images=n, default=False),
            Step('coco', 'train', DET + 'coco/mask-rcnn_r50-c4_ms-1x_coco.py',
                 detection=True, quick_eval_images=n, default=False),
            Step('coco-fpn', 'train',
                 DET + 'coco/mask-rcnn_r50_fpn_ms-1x_coco.py',
                 detection=True, quick_eval_images=n, default=False),
            Step('knn', 'knn', default=False),
        ]
    else:
        raise ChainError(f'unknown suite {suite!r}: digits or imagenet')
    return {step.name: step for step in steps}


# ----------------------------------------------------------------------------
# Config inspection: which --cfg-options a downstream step needs.
# ----------------------------------------------------------------------------


def option(key: str, value) -> str:
    """``key=value`` as MMEngine's DictAction parses it back to ``value``."""

    def text(v):
        if isinstance(v, (list, tuple)):
            inner = ','.join(text(x) for x in v)
            return f'[{inner}]' if isinstance(v, list) else f'({inner},)'
        if isinstance(v, str) and (',' in v or v in ('None', 'True', 'False')):
            raise ChainError(f'cannot pass {key}={v!r} on a command line')
        return str(v)

    return f'{key}={text(value)}'


def _flatten(d: dict, prefix: str = '') -> Dict[str, object]:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f'{prefix}{k}.'))
        else:
            out[f'{prefix}{k}'] = v
    return out


def _walk(node, path: str):
    """Yield ``(dotted path, key, value)`` of every item below ``node``."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return
    for key, value in items:
        sub = f'{path}.{key}' if path else key
        yield sub, key, value
        yield from _walk(value, sub)


def build_backbone(cfg: Config, overrides: List[str] = ()):
    """``cfg.model.backbone`` (after ``overrides``) built in ``cfg``'s scope,
    without its weights' initialisation."""
    from hexa_mm.utils import build_bare_backbone
    return build_bare_backbone(apply_options(cfg, overrides))


def apply_options(cfg: Config, options: List[str]) -> Config:
    """A copy of ``cfg`` with ``key=value`` options merged as the tools do."""
    cfg = copy.deepcopy(cfg)
    if options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--o', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--o', *options]).o)
    return cfg


def _backbone_default(cfg: Config, key: str):
    """The default of argument ``key`` of ``cfg``'s backbone class (looked up
    along its MRO, as subclasses pass ``**kwargs`` on); a sentinel if none."""
    import inspect

    from mmengine.registry import MODELS
    with MODELS.switch_scope_and_registry(
            cfg.get('default_scope', 'mmselfsup')) as registry:
        cls = registry.get(cfg.model.backbone['type'])
    for klass in getattr(cls, '__mro__', ()):
        params = inspect.signature(klass.__init__).parameters
        if key in params and params[key].default is not inspect.Parameter.empty:
            return params[key].default
    return _NO_DEFAULT


_NO_DEFAULT = object()


def forwarded_backbone_options(pretrain: Config, down: Config) -> List[str]:
    """The pre-training backbone's architecture arguments that ``down``'s
    backbone sets otherwise (or leaves at another default), as options; none
    when the two backbone classes differ by name."""
    pre_bb, down_bb = pretrain.model.backbone, down.model.backbone
    if str(pre_bb['type']).split('.')[-1] != str(down_bb['type']).split('.')[-1]:
        return []
    down_flat = _flatten(down_bb.to_dict())
    options = []
    for key, value in _flatten(pre_bb.to_dict()).items():
        if key.split('.')[0] in PROTOCOL_KEYS:
            continue
        if key in down_flat:
            current = down_flat[key]
        elif '.' not in key:
            current = _backbone_default(down, key)
        else:
            current = _NO_DEFAULT
        if current != value:
            options.append(option(f'model.backbone.{key}', value))
    return options


def channel_options(down: Config, old: int, new: int) -> List[str]:
    """Set the model's trunk-channel keys (CHANNEL_KEYS outside the backbone
    and the data preprocessor) from ``old`` to ``new``."""
    if old == new:
        return []
    return [
        option(f'model.{path}', new)
        for path, key, value in _walk(down.model.to_dict(), '')
        if key in CHANNEL_KEYS and value == old and not path.startswith((
            'backbone.', 'data_preprocessor.'))
    ]


def init_options(down: Config, backbone_path: Optional[str]) -> List[str]:
    """Options that load ``backbone_path`` into every ``Pretrained`` init of
    the model and into its backbone (None: random initialisation)."""
    pretrained = [
        path for path, key, value in _walk(down.model.to_dict(), '')
        if key == 'init_cfg' and isinstance(value, dict)
        and value.get('type') == 'Pretrained' and path != 'backbone.init_cfg'
    ]
    if 'init_cfg' in down.model.backbone and not isinstance(
            down.model.backbone.init_cfg, dict):
        if backbone_path is None:
            return [option(f'model.{p}', None) for p in pretrained]
        raise ChainError(
            f'model.backbone.init_cfg is {down.model.backbone.init_cfg!r}: a '
            'command line cannot make it a dict; leave it out of the config '
            'or make it a Pretrained dict')
    if backbone_path is None:
        # Random init is the modules' own (as in hexa_mm.evaluation.probe):
        # a backbone without init_cfg keeps its class's (Kaiming for ResNet);
        # init_cfg=None would leave PyTorch's default init instead.
        dropped = (['backbone'] if 'init_cfg' in down.model.backbone else [])
        return [
            option(f'model.{p}', None)
            for p in [f'{d}.init_cfg' for d in dropped] + pretrained
        ]
    return [
        option('model.backbone.init_cfg.type', 'Pretrained'),
        option('model.backbone.init_cfg.checkpoint', backbone_path)
    ] + [option(f'model.{p}.checkpoint', backbone_path) for p in pretrained]


LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def data_root_options(down: Config, data_root: Optional[str]) -> List[str]:
    """Move the ``data/...`` paths of the loaders and evaluators under
    ``data_root`` (``data/digits`` -> ``DATA_ROOT/digits``)."""
    if data_root is None:
        return []
    options = []
    for top in LOADERS + ('val_evaluator', 'test_evaluator'):
        for path, key, value in _walk(down.get(top), top):
            if key in ('data_root', 'ann_file') and isinstance(
                    value, str) and value.startswith('data/'):
                options.append(
                    option(path, osp.join(data_root, value[len('data/'):])))
    return options


def _leaf_datasets(dataset, path: str) -> List[str]:
    """Dotted paths of the data sets below ``dataset`` that wrap none (through
    ``dataset`` and ``datasets`` of wrappers: LabelSubset, ConcatDataset...)."""
    if not isinstance(dataset, dict):
        return []
    if 'dataset' in dataset:
        return _leaf_datasets(dataset['dataset'], f'{path}.dataset')
    if 'datasets' in dataset:
        return [
            leaf for i, sub in enumerate(dataset['datasets'])
            for leaf in _leaf_datasets(sub, f'{path}.datasets.{i}')
        ]
    return [path]


def quick_options(down: Config, step: Step,
                  gpus: int) -> Tuple[List[str], List[str]]:
    """(training, test) options: a few iterations, no validation while
    training, a small test set."""
    train_cfg = down.train_cfg
    if 'max_iters' in train_cfg:
        options = [
            option('train_cfg.max_iters', QUICK_ITERS),
            option('train_cfg.val_interval', QUICK_ITERS),
            option('default_hooks.checkpoint.interval', QUICK_ITERS)
        ]
    elif 'max_epochs' in train_cfg:
        options = [
            option('train_cfg.max_epochs', 1),
            option('train_cfg.val_interval', 1),
            option('default_hooks.checkpoint.interval', 1)
        ] + [
            option(f'{leaf}.indices', QUICK_IMAGES_PER_GPU * gpus)
            for leaf in _leaf_datasets(down.train_dataloader.get('dataset'),
                                       'train_dataloader.dataset')
        ]
    else:
        raise ChainError(f'{step.config}: train_cfg has neither max_iters nor '
                         'max_epochs; --quick cannot shorten it')
    options += [
        option('val_dataloader', None),
        option('val_cfg', None),
        option('val_evaluator', None)
    ]
    test = [
        option(f'{leaf}.indices', step.quick_eval_images)
        for leaf in _leaf_datasets(down.test_dataloader.get('dataset'),
                                   'test_dataloader.dataset')
    ] if step.quick_eval_images else []
    return options, test


def check_backbone_fit(config: str, pretrain_config: str,
                       shapes: Dict[str, tuple], reference: Dict[str, tuple],
                       source: str, allow_unused: bool) -> None:
    """Raise ChainError when ``reference`` (the pre-trained backbone's
    shapes) does not fit ``shapes`` (the downstream backbone's)."""
    from hexa_mm.utils import fit_mismatches
    missing, wrong, unused = fit_mismatches(shapes, reference)
    unused = [] if allow_unused else unused
    if not (missing or wrong or unused):
        return
    lines = [
        f'the backbone of {source} does not fit model.backbone of {config} '
        f'(its pre-training config: {pretrain_config}):'
    ]
    if missing:
        lines.append(f'  {len(missing)} keys missing from the checkpoint, e.g. '
                     f'{missing[:4]}')
    if wrong:
        lines.append(f'  {len(wrong)} shapes differ (key: config vs '
                     'checkpoint), e.g. ' + ', '.join(
                         f'{k}: {a} vs {b}' for k, a, b in wrong[:3]))
    if unused:
        lines.append(f'  {len(unused)} checkpoint keys unused, e.g. '
                     f'{unused[:4]}')
    lines.append(
        '  Pre-train with the backbone the downstream configs use (digits: '
        'configs/_base_/models/digits_resnet18.py) and give the chain the '
        'pre-training run\'s --cfg-options.')
    raise ChainError('\n'.join(lines))


# ----------------------------------------------------------------------------
# Commands.
# ----------------------------------------------------------------------------


def launch_prefix(args, job: str) -> Tuple[List[str], List[str]]:
    """(the command line before the tool's path, the tool's launcher args)."""
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


def tool(name: str) -> str:
    return osp.join(ROOT, 'tools', name)


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


def feature_commands(plan: Plan, step: Step) -> List[List[str]]:
    args = plan.args
    prefix, launcher = launch_prefix(args, f'hexa-{step.name}')
    work = osp.join(plan.work_dir, step.name)
    cmd = prefix + [
        tool(f'benchmarks/{step.kind}.py'), args.config
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
    config = osp.join(ROOT, step.config)
    options = plan.options[step.name]
    checkpoint = checkpoint or LAST_CHECKPOINT.format(
        osp.join(work, 'last_checkpoint'))
    return [
        prefix + [tool('train.py'), config, '--work-dir', work] + launcher +
        cfg_options(options['train']),
        prefix + [
            tool('test.py'), config, checkpoint, '--work-dir', work,
            '--out-metrics',
            osp.join(work, 'metrics.json')
        ] + launcher + cfg_options(options['test'])
    ]


def cfg_options(options: List[str]) -> List[str]:
    # argparse rejects a --cfg-options without values.
    return ['--cfg-options', *options] if options else []


#: How a dry run shows the checkpoint that the training step will write.
LAST_CHECKPOINT = '"$(cat {})"'


def shell_line(cmd: List[str]) -> str:
    return ' '.join(c if c.startswith('"$(cat ') else shlex.quote(c)
                    for c in cmd)


def plan_train_step(plan: Plan, step: Step, reference: Dict[str, tuple],
                    source: str) -> None:
    """Work out ``step``'s options and check the backbone fits its config."""
    from hexa_mm.utils import state_shapes
    config = osp.join(ROOT, step.config)
    if not osp.isfile(config):
        raise ChainError(f'step {step.name!r}: config {step.config} not found')
    down = Config.fromfile(config)
    # Model and data: training and test alike.
    common = forwarded_backbone_options(plan.pretrain, down)
    trunk = build_backbone(down, common)
    check_backbone_fit(step.config, plan.args.config, state_shapes(trunk),
                       reference, source, allow_unused=step.detection)
    if common:
        old = getattr(build_backbone(down), 'feat_dim', None)
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


# ----------------------------------------------------------------------------
# Running and the summary.
# ----------------------------------------------------------------------------


def run_command(cmd: List[str], log: str, env: dict) -> int:
    with open(log, 'a') as f:
        f.write('$ ' + shell_line(cmd) + '\n')
        f.flush()
        return subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT,
                               env=env)


def metrics_path(step: Step, work: str) -> str:
    return osp.join(work, {
        'knn': 'knn.json',
        'kshot': 'kshot.json'
    }.get(step.kind, 'metrics.json'))


def read_metrics(step: Step, work: str) -> dict:
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
        random = steps.get(f'{name}-random')
        pre_m = step.get('metrics') or {}
        rnd_m = (random or {}).get('metrics') or {}
        keys = [k for k in HEADLINE if k in pre_m or k in rnd_m] or sorted(
            k for k in set(pre_m) | set(rnd_m) if not k.endswith('_std'))
        if not keys:
            lines.append(f'| {name} | - | {_status(step)} | '
                         f'{_status(random) if random else ""} | |')
            continue
        for key in keys:
            diff = ''
            if key in pre_m and key in rnd_m:
                diff = f'{pre_m[key] - rnd_m[key]:+.{_digits(key)}f}'
            pre = format_value(pre_m, key) if pre_m else _status(step)
            rnd = (format_value(rnd_m, key) if rnd_m else _status(random)
                   ) if random else ''
            lines.append(f'| {name} | {key} | {pre} | {rnd} | {diff} |')
    failed = [s for s in summary['steps'] if s['status'] == 'failed']
    if failed:
        lines += [''] + [
            f'- **{s["name"]} failed**: {s["error"]}' for s in failed
        ]
    return '\n'.join(lines) + '\n'


def _status(step: Optional[dict]) -> str:
    if step is None:
        return ''
    if step['status'] == 'failed':
        return f'failed (`{step["log"]}`)'
    return step['status']


def write_summary(summary: dict, work_dir: str) -> None:
    from hexa_mm.utils import atomic_write_bytes
    atomic_write_bytes((json.dumps(summary, indent=2) + '\n').encode(),
                       osp.join(work_dir, 'summary.json'))
    atomic_write_bytes(markdown(summary).encode(),
                       osp.join(work_dir, 'summary.md'))


def first_command(plan: Plan, step: Step) -> List[str]:
    """The command that fixes a step's result: its training, or its only
    command (the test's checkpoint is known after the training only)."""
    return (train_commands(plan, step)
            if step.kind == 'train' else feature_commands(plan, step))[0]


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
        if step.kind == 'train':
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
        else:
            cmd, = feature_commands(plan, step)
            record['commands'].append(cmd)
            if run_command(cmd, log, env):
                raise ChainError(f'tools/benchmarks/{step.kind}.py failed')
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 2)[2])
    parser.add_argument('config', help='the pre-training config')
    parser.add_argument('checkpoint', help='the pre-training checkpoint')
    parser.add_argument('--suite', choices=['digits', 'imagenet'],
                        default=None,
                        help='default: digits for a config whose name has '
                        '"digits", else imagenet')
    parser.add_argument('--steps', nargs='+', help='default: the suite\'s')
    parser.add_argument('--work-dir',
                        help='default: work_dirs/chain_<config stem>')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'],
                        default='none')
    parser.add_argument('--gpus', type=int, default=1,
                        help='processes per step (pytorch, slurm)')
    parser.add_argument('--port', type=int, default=29500,
                        help='torchrun master port')
    parser.add_argument('--partition', help='Slurm partition (srun -p)')
    parser.add_argument('--cpus-per-task', type=int, default=5)
    parser.add_argument('--srun-args', default='',
                        help='more srun arguments, one string')
    parser.add_argument('--data-root',
                        help='folder of the data sets, in place of the '
                        'configs\' data/ (e.g. DIR/digits, DIR/VOCdevkit)')
    parser.add_argument('--cfg-options', nargs='+', metavar='KEY=VALUE',
                        help='the pre-training run\'s overrides of CONFIG')
    parser.add_argument('--linear-config',
                        help='imagenet: this linear config instead of the '
                        'one chosen by the algorithm')
    parser.add_argument('--shots', type=int, nargs='+', default=[1, 5, 10],
                        help='kshot: labelled images per class')
    parser.add_argument('--draws', type=int, default=5,
                        help='kshot: draws per number of shots')
    parser.add_argument('--quick', action='store_true',
                        help='a few iterations of each step')
    parser.add_argument('--jobs', type=int, default=1,
                        help='steps run at a time (launcher none or slurm)')
    parser.add_argument('--keep-going', action='store_true',
                        help='run the other steps after one fails')
    parser.add_argument('--skip-done', action='store_true',
                        help='keep the results of the steps that the work '
                        'dir\'s summary.json has as done with the same '
                        'checkpoint and command line')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands, run nothing')
    return parser.parse_args(argv)


def make_plan(args) -> Plan:
    """Check the input, extract the backbone, work out every step's
    options; raise ChainError on anything wrong before a step runs."""
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
    args.config = osp.abspath(args.config)
    args.checkpoint = osp.abspath(args.checkpoint)
    if args.data_root:
        args.data_root = osp.abspath(args.data_root)
    if args.linear_config:
        if not osp.isfile(args.linear_config):
            raise ChainError(f'--linear-config {args.linear_config} not found')
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
        from hexa_mm.utils import extract_backbone
        try:
            plan.state = extract_backbone(args.checkpoint)
        except Exception as e:  # unreadable file, no backbone keys, ...
            raise ChainError(f'cannot extract the backbone of checkpoint '
                             f'{args.checkpoint}: {type(e).__name__}: {e}')
    if any(s.kind == 'train' for s in plan.steps):
        from hexa_mm.utils import state_shapes
        if args.dry_run:
            # Nothing is extracted: the pre-training config's own backbone
            # stands in for the checkpoint's.
            reference = state_shapes(build_backbone(pretrain))
            source = f'{args.config} (model.backbone)'
        else:
            reference = state_shapes(plan.state)
            source = args.checkpoint
        for step in plan.steps:
            if step.kind == 'train':
                plan_train_step(plan, step, reference, source)
    return plan


def main(argv=None) -> dict:
    args = parse_args(argv)
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
        for step in plan.steps:
            commands = (train_commands(plan, step) if step.kind == 'train' else
                        feature_commands(plan, step))
            summary['steps'].append(
                dict(name=step.name, status='planned', commands=commands))
            print(f'# {step.name}')
            for cmd in commands:
                print(shell_line(cmd))
        return summary

    os.makedirs(osp.join(work_dir, 'logs'), exist_ok=True)
    done = {}
    if args.skip_done and osp.isfile(osp.join(work_dir, 'summary.json')):
        done = reusable_steps(plan, osp.join(work_dir, 'summary.json'))
    from hexa_mm.utils.checkpoint import save_backbone
    if any(s.kind == 'train' for s in plan.steps):
        save_backbone(plan.state, plan.backbone_path, source=args.checkpoint)
        print(f'[chain] backbone of {args.checkpoint} -> {plan.backbone_path}')
    summary['steps'] = [
        done.get(s.name, dict(name=s.name, status='pending'))
        for s in plan.steps
    ]
    write_summary(summary, work_dir)
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + (os.pathsep + env['PYTHONPATH']
                                if env.get('PYTHONPATH') else '')
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
        # Steps start in order, ``--jobs`` at a time.
        list(pool.map(run, range(len(plan.steps)), plan.steps))
    print(markdown(summary))
    print(f'[chain] summary: {osp.join(work_dir, "summary.md")}')
    if errors:
        raise ChainError('\n'.join(errors))
    return summary


if __name__ == '__main__':
    try:
        main()
    except ChainError as e:
        raise SystemExit(f'chain: {e}')
