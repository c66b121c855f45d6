"""Which ``--cfg-options`` a downstream config needs to evaluate a
pre-trained backbone: its architecture, its initialisation, the data's
location and, under ``--quick``, a short schedule.

Every option is a ``key=value`` string that MMEngine's ``DictAction`` parses
back to the value, so that the commands the chain runs can be printed and run
by hand.
"""
import argparse
import copy
import os.path as osp
from typing import Dict, Iterator, List, Optional, Tuple

from mmengine.config import Config, DictAction
from mmengine.registry import MODELS

from hexa_mm.utils.config_check import NO_DEFAULT, field_default
from .catalogue import ChainError, Step

#: Iterations of an iteration-based training step under --quick.
QUICK_ITERS = 4
#: Training images per process of an epoch-based step under --quick.
QUICK_IMAGES_PER_GPU = 64
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
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


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


def walk(node, path: str = '',
         into_lists: bool = True) -> Iterator[Tuple[str, str, object]]:
    """Yield ``(dotted path, key, value)`` of every item below ``node``, a
    config tree of dicts and lists (list items keyed by their index; with
    ``into_lists=False`` a list is a leaf)."""
    if isinstance(node, dict):
        items = node.items()
    elif into_lists and isinstance(node, (list, tuple)):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return
    for key, value in items:
        sub = f'{path}.{key}' if path else key
        yield sub, key, value
        yield from walk(value, sub, into_lists)


def flatten(tree: dict) -> Dict[str, object]:
    """Dotted path -> value of every non-dict value below ``tree``, lists
    included whole: the keys that ``--cfg-options`` can set."""
    return {
        path: value
        for path, _, value in walk(tree, into_lists=False)
        if not isinstance(value, dict)
    }


def apply_options(cfg: Config, options: List[str]) -> Config:
    """A copy of ``cfg`` with ``key=value`` options merged as the tools do."""
    cfg = copy.deepcopy(cfg)
    if options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--o', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--o', *options]).o)
    return cfg


def _backbone_class(cfg: Config):
    with MODELS.switch_scope_and_registry(
            cfg.get('default_scope', 'mmselfsup')) as registry:
        return registry.get(cfg.model.backbone['type'])


def forwarded_backbone_options(pretrain: Config, down: Config) -> List[str]:
    """The pre-training backbone's architecture arguments that ``down``'s
    backbone sets otherwise (or leaves at another default), as options; none
    when the two backbone classes differ by name."""
    pre_bb, down_bb = pretrain.model.backbone, down.model.backbone
    if str(pre_bb['type']).split('.')[-1] != str(down_bb['type']).split('.')[-1]:
        return []
    down_flat = flatten(down_bb.to_dict())
    options = []
    for key, value in flatten(pre_bb.to_dict()).items():
        if key.split('.')[0] in PROTOCOL_KEYS:
            continue
        if key in down_flat:
            current = down_flat[key]
        elif '.' not in key and _backbone_class(down) is not None:
            current = field_default(_backbone_class(down), key)
        else:
            current = NO_DEFAULT
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
        for path, key, value in walk(down.model.to_dict())
        if key in CHANNEL_KEYS and value == old and not path.startswith((
            'backbone.', 'data_preprocessor.'))
    ]


def init_options(down: Config, backbone_path: Optional[str]) -> List[str]:
    """Options that load ``backbone_path`` into every ``Pretrained`` init of
    the model and into its backbone (None: random initialisation)."""
    pretrained = [
        path for path, key, value in walk(down.model.to_dict())
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


def data_root_options(down: Config, data_root: Optional[str]) -> List[str]:
    """Move the ``data/...`` paths of the loaders and evaluators under
    ``data_root`` (``data/digits`` -> ``DATA_ROOT/digits``)."""
    if data_root is None:
        return []
    options = []
    for top in LOADERS + ('val_evaluator', 'test_evaluator'):
        for path, key, value in walk(down.get(top), top):
            if key in ('data_root', 'ann_file') and isinstance(
                    value, str) and value.startswith('data/'):
                options.append(
                    option(path, osp.join(data_root, value[len('data/'):])))
    return options


def leaf_datasets(dataset, path: str) -> List[str]:
    """Dotted paths of the data sets below ``dataset`` that wrap none (through
    ``dataset`` and ``datasets`` of wrappers: LabelSubset, ConcatDataset...)."""
    if not isinstance(dataset, dict):
        return []
    if 'dataset' in dataset:
        return leaf_datasets(dataset['dataset'], f'{path}.dataset')
    if 'datasets' in dataset:
        return [
            leaf for i, sub in enumerate(dataset['datasets'])
            for leaf in leaf_datasets(sub, f'{path}.datasets.{i}')
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
            for leaf in leaf_datasets(down.train_dataloader.get('dataset'),
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
        for leaf in leaf_datasets(down.test_dataloader.get('dataset'),
                                  'test_dataloader.dataset')
    ] if step.quick_eval_images else []
    return options, test
