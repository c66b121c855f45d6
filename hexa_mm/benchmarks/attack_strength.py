"""How hard an attack is on a trained model
(``tools/benchmarks/attack_strength.py``).

During HEXA training the hardness figures (``adv_ratio``, ``mix_ratio``)
say how hard the hard examples are *for the model being trained*; a run that
stalls near the loss of uniform logits shows ratios near 1 whatever the
attack. This measures each attack (its ``eps`` and number of PGD ``steps``)
on one fixed, trained model instead: the weights of a pre-training checkpoint
(e.g. MoCo-v2's) in the HEXA algorithm of ``config``, on a few training
batches of that config, in training mode (BN on batch statistics, as the
attack sees it in training). No optimizer step is taken; the loss forward
still moves the queue and the key encoder by their rules, as in training,
and that is all it changes.
"""
import itertools
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed

from hexa_mm import compat
from hexa_mm.utils import fit_mismatches, load_cfg, state_shapes
from hexa_mm.utils.errors import MissingCheckpointError, UserError
from mmselfsup.registry import MODELS

#: State of the hard-example generators, which a baseline's checkpoint lacks.
GENERATOR_PREFIXES = ('cutmix.', 'adversarial.')
#: The figures of each attack: means over the batches (``mix_ratio``: None
#: when the config makes no cut-mixed examples).
FIGURES = ('adv_ratio', 'mix_ratio')


def load_trained(model: torch.nn.Module, checkpoint: str) -> None:
    """Load a pre-training checkpoint into ``model``: every key of the model
    but the generators' own state (CutMix's draws, absent from a baseline's
    checkpoint), or an error naming the file and the keys."""
    if not osp.isfile(checkpoint):
        raise MissingCheckpointError(f'checkpoint {checkpoint} not found')
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)
    state = state.get('state_dict', state)

    def trained(shapes):
        return {k: shape for k, shape in shapes.items()
                if not k.startswith(GENERATOR_PREFIXES)}

    missing, reshaped, unexpected = fit_mismatches(
        trained(state_shapes(model)), trained(state_shapes(state)))
    if missing or reshaped or unexpected:
        raise UserError(
            f'{checkpoint} does not fit {type(model).__name__}: missing '
            f'{missing[:5]}, other shapes {reshaped[:3]}, unexpected '
            f'{unexpected[:5]}')
    model.load_state_dict(state, strict=False)


def attack_strength(checkpoint: str,
                    config: str,
                    attacks: Sequence[Dict],
                    cfg_options: Optional[dict] = None,
                    batches: int = 4,
                    seed: int = 0) -> List[dict]:
    """Each attack's figures on the checkpoint's model.

    Args:
        checkpoint: Pre-training checkpoint (the baseline's or HEXA's).
        config: A HEXA config: its model, data preprocessor and training
            data loader.
        attacks: ``AdversarialGenerator`` fields of each attack (``eps``,
            ``steps``, optionally ``step_size``).
        cfg_options: Overrides of the config (e.g. the data root).
        batches: Training batches to average over; every attack sees the
            same ones.
        seed: Seed of the batches and of CutMix's draws.

    Returns:
        list[dict]: Per attack, its fields and :data:`FIGURES`.
    """
    init_default_scope('mmselfsup')
    cfg = load_cfg(config, cfg_options=cfg_options)
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    # The pipeline's random crops draw from Python's and numpy's generators,
    # not only torch's: all three, as the Runner seeds them.
    set_random_seed(seed)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=seed)
    data = list(itertools.islice(iter(loader), batches))
    rows = []
    for attack in attacks:
        model_cfg = dict(
            cfg.model,
            adversarial=dict(type='AdversarialGenerator', **attack),
            # The weights do not enter the figures; a zero w_adv (a cut-mix
            # only config) would switch the attack off, and cut-mixed rows
            # in place of clean ones cannot be attacked.
            w_adv=cfg.model.get('w_adv', 1.) or 1.,
            mix_mode='add')
        torch.manual_seed(seed)
        model = MODELS.build(model_cfg)
        load_trained(model, checkpoint)
        model.train()
        sums = dict.fromkeys(FIGURES, 0.)
        for batch in data:
            # 'loss' differentiates once: the attack takes its own gradient.
            losses = compat.run_forward(
                model, model.data_preprocessor(batch, True), mode='loss')
            for key in FIGURES:
                if key in losses and sums[key] is not None:
                    sums[key] += float(losses[key]) / len(data)
                else:
                    sums[key] = None
        rows.append(dict(attack, **{
            k: None if v is None else round(v, 4)
            for k, v in sums.items()
        }))
    return rows


def _figure(value: Optional[float]) -> str:
    return '-' if value is None else f'{value:.3f}'


def markdown(rows: List[dict]) -> str:
    """One line per attack: its settings and :data:`FIGURES`."""
    lines = ['| eps (x 1/255) | steps | adv / clean loss | '
             'mix excess / clean loss |', '|---|---|---|---|']
    lines += [
        f"| {r['eps'] * 255:g} | {r.get('steps', 1)} | "
        f"{_figure(r['adv_ratio'])} | {_figure(r['mix_ratio'])} |"
        for r in rows
    ]
    return '\n'.join(lines)
