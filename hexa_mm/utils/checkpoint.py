"""Pre-training checkpoint -> backbone weights for downstream tasks, and the
checks that a backbone's weights fit the config that loads them."""
import copy
import io
import os
import os.path as osp
from collections import Counter, OrderedDict
from typing import Dict, List, Tuple, Union

import torch

from .atomic_io import atomic_write_bytes
from .errors import MissingCheckpointError


def extract_backbone(checkpoint: Union[str, os.PathLike],
                     prefix: str = 'backbone.') -> Dict[str, torch.Tensor]:
    """The query encoder's backbone of a pre-training checkpoint.

    Works for every hexa_mm algorithm (and MMSelfSup's): their backbone lives
    under ``backbone.`` (MoCo's momentum encoder under ``encoder_k.``, which is
    not taken).

    Args:
        checkpoint: A checkpoint written by MMEngine's Runner (trusted: it is
            unpickled in full, its message hub holds Python objects).
        prefix: Key prefix of the backbone.

    Returns:
        OrderedDict: Plain, contiguous CPU tensors keyed without ``prefix``.

    Raises:
        KeyError: No key starts with ``prefix``; the message lists the prefixes
            the checkpoint has, so a wrong one never silently yields nothing.
    """
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise KeyError(f'{checkpoint} holds no state dict')
    out = OrderedDict(
        (key[len(prefix):], value.detach().clone().contiguous())
        for key, value in state.items()
        if key.startswith(prefix) and isinstance(value, torch.Tensor))
    if not out:
        raise KeyError(f'no key of {checkpoint} starts with {prefix!r}; its '
                       f'prefixes: {_prefixes(state)}')
    return out


def _prefixes(state: dict) -> str:
    found = Counter(key.split('.', 1)[0] + '.' for key in state)
    return ', '.join(f'{p} ({n} keys)' for p, n in found.most_common())


def save_backbone(state: Dict[str, torch.Tensor],
                  path: Union[str, os.PathLike], source: str = '') -> None:
    """Write ``{'state_dict': state, 'meta': {...}}``, loadable with
    ``torch.load(weights_only=True)``, atomically."""
    buffer = io.BytesIO()
    torch.save(dict(state_dict=state, meta=dict(source=str(source),
                                                author='hexa_mm')), buffer)
    atomic_write_bytes(buffer.getvalue(), path)


def build_bare_backbone(cfg) -> torch.nn.Module:
    """``cfg.model.backbone`` built in ``cfg``'s default scope, without any
    weights' initialisation (``init_cfg`` / ``pretrained`` dropped).

    The type is looked up by name in the registries, which importing
    ``hexa_mm`` (and so this module) has filled.
    """
    from mmengine.registry import MODELS, DefaultScope
    backbone = copy.deepcopy(cfg.model.backbone)
    backbone.pop('init_cfg', None)
    backbone.pop('pretrained', None)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmselfsup')):
        return MODELS.build(backbone)


def state_shapes(state: Union[torch.nn.Module, dict]) -> Dict[str, tuple]:
    """Key -> shape of a module's state dict, or of a state dict."""
    if isinstance(state, torch.nn.Module):
        state = state.state_dict()
    return {k: tuple(v.shape) for k, v in state.items()
            if isinstance(v, torch.Tensor)}


def fit_mismatches(
    model: Dict[str, tuple], weights: Dict[str, tuple]
) -> Tuple[List[str], List[Tuple[str, tuple, tuple]], List[str]]:
    """How ``weights`` (key -> shape) fail to fit ``model`` (key -> shape):
    the model's keys they lack, the keys whose shapes differ (key, model's,
    weights'), and their keys the model has no use for."""
    missing = [k for k in model if k not in weights]
    wrong = [(k, model[k], weights[k]) for k in model
             if k in weights and model[k] != weights[k]]
    unused = [k for k in weights if k not in model]
    return missing, wrong, unused


def misfit_lines(model: Dict[str, tuple], weights: Dict[str, tuple],
                 allow_unused: bool = False) -> List[str]:
    """How backbone ``weights`` (key -> shape) fail to fit a ``model``'s
    backbone (key -> shape), one indented line per kind of mismatch, with
    examples; none when they fit. ``allow_unused``: weights the model has no
    use for (e.g. the last stage of a C4 detector's trunk) are no misfit."""
    missing, wrong, unused = fit_mismatches(model, weights)
    lines = []
    if missing:
        lines.append(f'  {len(missing)} backbone keys missing from it, e.g. '
                     f'{missing[:4]}')
    if wrong:
        lines.append(f'  {len(wrong)} shapes differ (key: model vs '
                     'checkpoint), e.g. ' + ', '.join(
                         f'{k}: {a} vs {b}' for k, a, b in wrong[:3]))
    if unused and not allow_unused:
        lines.append(f'  {len(unused)} of its keys unused, e.g. '
                     f'{unused[:4]}')
    return lines


def check_pretrained_backbone(cfg) -> None:
    """Fail before training when ``model.backbone.init_cfg`` is a
    ``Pretrained`` init whose local checkpoint does not fit the backbone.

    MMEngine's ``PretrainedInit`` loads non-strictly and only warns: a whole
    pre-training checkpoint (keys ``backbone.*``) given without ``prefix``
    loads nothing, and the run goes on from random weights. Keys of the
    checkpoint that the backbone does not use (e.g. the last stage of a C4
    detector's trunk) are allowed; missing keys and other shapes are not.
    Checkpoints behind a URL or a model zoo scheme are not checked.

    Raises:
        FileNotFoundError: The checkpoint does not exist.
        ValueError: It does not fit; the message names the config key, the
            file, what is missing or differs, and its key prefixes.
    """
    init = cfg.model.get('backbone', {}).get('init_cfg')
    if not isinstance(init, dict) or init.get('type') != 'Pretrained':
        return
    path = init.get('checkpoint')
    if not isinstance(path, str) or '://' in path:
        return
    key = 'model.backbone.init_cfg.checkpoint'
    if not osp.isfile(path):
        raise MissingCheckpointError(f'{key}: {path} does not exist')
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    prefix = init.get('prefix')
    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        weights = {k[len(prefix):]: v for k, v in state.items()
                   if k.startswith(prefix)}
    else:
        weights = state
    misfit = misfit_lines(state_shapes(build_bare_backbone(cfg)),
                          state_shapes(weights), allow_unused=True)
    if not misfit:
        return
    lines = [f'{key}: {path} does not fit model.backbone'
             + (f' (init_cfg.prefix {prefix!r})' if prefix else '') + ':']
    lines += misfit
    lines.append(f'  its keys start with: {_prefixes(state)}')
    if not prefix and any(k.startswith('backbone.') for k in state):
        lines.append(
            '  It looks like a whole pre-training checkpoint: extract the '
            'backbone (tools/model_converters/extract_backbone_weights.py) '
            "or set model.backbone.init_cfg.prefix='backbone.'")
    raise ValueError('\n'.join(lines))
