"""Pre-training checkpoint -> backbone weights for downstream tasks."""
import io
import os
from collections import Counter, OrderedDict
from typing import Dict, Union

import torch

from .atomic_io import atomic_write_bytes


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
        found = Counter(key.split('.', 1)[0] + '.' for key in state)
        raise KeyError(
            f'no key of {checkpoint} starts with {prefix!r}; its prefixes: '
            + ', '.join(f'{p} ({n} keys)' for p, n in found.most_common()))
    return out


def save_backbone(state: Dict[str, torch.Tensor],
                  path: Union[str, os.PathLike], source: str = '') -> None:
    """Write ``{'state_dict': state, 'meta': {...}}``, loadable with
    ``torch.load(weights_only=True)``, atomically."""
    buffer = io.BytesIO()
    torch.save(dict(state_dict=state, meta=dict(source=str(source),
                                                author='hexa_mm')), buffer)
    atomic_write_bytes(buffer.getvalue(), path)
