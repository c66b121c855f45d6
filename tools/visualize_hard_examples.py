"""Draw HEXA's hard examples beside the standard views (the paper's Figure 1).

    python tools/visualize_hard_examples.py CONFIG [CHECKPOINT]
        [--num-images 4] [--out-dir results/hard_examples]
        [--amplify 0] [--cfg-options k=v ...]

For each of the first images of the config's training set, one PNG with: the
original image, the two standard views, the adversarial view, its perturbation
(amplified to the full grey range, or ``--amplify`` times), and the cut-mixed
view with its lam. The config must be a HEXA one (HEXAMoCo, HEXADeepClusterV2):
its generators and pseudo-label loss make the examples; a checkpoint makes them
against a trained model (a DeepCluster-v2 model needs one, for its clusters).
"""
import argparse
import os
import os.path as osp

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import mmcv  # noqa: E402
import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.dataset import default_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402

from hexa_mm.models.algorithms import HardExampleMixin  # noqa: E402
from hexa_mm.models.utils import running_stats_frozen  # noqa: E402
from hexa_mm.utils import load_cfg  # noqa: E402
from hexa_mm.utils.errors import run_cli  # noqa: E402
from mmselfsup.registry import DATASETS, MODELS  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--num-images', type=int, default=4)
    parser.add_argument('--out-dir', default='results/hard_examples')
    parser.add_argument(
        '--amplify', type=float, default=0,
        help='perturbation gain; 0 stretches it to the full grey range')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def to_pixels(x: torch.Tensor, preprocessor) -> torch.Tensor:
    """Normalised (C, H, W) RGB input -> (H, W, C) floats in [0, 1]."""
    mean = preprocessor.mean.view(-1, 1, 1)
    std = preprocessor.std.view(-1, 1, 1)
    return ((x * std + mean) / 255).clamp(0, 1).permute(1, 2, 0)


def hard_examples(model, inputs, data_samples):
    """The model's first attacked view, and its adversarial and cut-mixed
    examples, made as the model's hard pass makes them (HardExampleMixin)."""
    if not isinstance(model, HardExampleMixin):
        raise SystemExit(
            f'{type(model).__name__} has no hard-example generators: use a '
            'HEXA config (HEXAMoCo, HEXADeepClusterV2)')
    with running_stats_frozen(model):
        try:
            clean = model.clean_pass(inputs, data_samples)
        except RuntimeError as error:  # e.g. no clusters before training
            raise SystemExit(f'{type(model).__name__}: {error}; pass a '
                             'checkpoint of a trained model') from error
        adversarial, mixed = model.make_hard_examples(clean)
    return clean.attack_inputs[0].detach(), adversarial[0].inputs, mixed[0]


def main(argv=None):
    args = parse_args(argv)
    cfg = load_cfg(args.config, cfg_options=args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmselfsup'))
    torch.manual_seed(args.seed)
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.train()
    for name in ('adversarial', 'cutmix'):
        if getattr(model, name, None) is None:
            raise SystemExit(f'the model has no {name} generator: set '
                             f'model.{name} in the config')

    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    indices = list(range(min(args.num_images, len(dataset))))
    batch = default_collate([dataset[i] for i in indices])
    pre = model.data_preprocessor
    inputs, data_samples = pre(batch, True)
    view, adv, mixed = hard_examples(model, inputs, data_samples)

    os.makedirs(args.out_dir, exist_ok=True)
    paths = []
    for row, i in enumerate(indices):
        path = dataset.get_data_info(i)['img_path']
        original = mmcv.imread(path, channel_order='rgb')
        delta = (adv[row] - view[row]) * pre.std.view(-1, 1, 1) / 255
        gain = args.amplify or 0.5 / max(delta.abs().max().item(), 1e-12)
        panels = [
            ('original', original),
            ('view 1', to_pixels(view[row], pre)),
            ('view 2', to_pixels(inputs[1][row], pre)),
            ('adversarial view 1', to_pixels(adv[row], pre)),
            (f'perturbation x{gain:.0f}',
             (0.5 + gain * delta).clamp(0, 1).permute(1, 2, 0)),
            (f'cut-mix, lam={mixed.lam:.2f}',
             to_pixels(mixed.inputs[row], pre)),
        ]
        fig, axes = plt.subplots(1, len(panels), figsize=(2.2 * len(panels),
                                                          2.6))
        for ax, (title, image) in zip(axes, panels):
            ax.imshow(image if not torch.is_tensor(image) else image.numpy(),
                      interpolation='nearest')
            ax.set_title(title, fontsize=8)
            ax.axis('off')
        fig.suptitle(osp.basename(path), fontsize=9)
        out = osp.join(args.out_dir, f'hard_examples_{i:04d}.png')
        fig.savefig(out, dpi=100, bbox_inches='tight')
        plt.close(fig)
        paths.append(out)
        print(out)
    return paths


if __name__ == '__main__':
    run_cli(main)
