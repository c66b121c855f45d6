"""Extract the backbone of a pre-training checkpoint for downstream tasks.

    python tools/model_converters/extract_backbone_weights.py CKPT OUT.pth
        [--prefix backbone.]

OUT holds ``{'state_dict': {...}, 'meta': {...}}`` of plain tensors (loadable with
``torch.load(weights_only=True)``), keyed like MMPretrain's and MMDetection's
ResNet (``conv1.weight``, ``layer1.0.bn1.running_mean``, ...). Use it with
``init_cfg=dict(type='Pretrained', checkpoint='OUT.pth')`` on the backbone.
"""
import argparse

from hexa_mm.utils.checkpoint import extract_backbone, save_backbone
from hexa_mm.utils.errors import run_cli


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('checkpoint', help='pre-training checkpoint')
    parser.add_argument('output', help='destination .pth')
    parser.add_argument('--prefix', default='backbone.',
                        help='key prefix of the backbone in the checkpoint')
    args = parser.parse_args(argv)
    if not args.output.endswith('.pth'):
        raise SystemExit(f'output {args.output} must end with .pth')
    state = extract_backbone(args.checkpoint, args.prefix)
    save_backbone(state, args.output, source=args.checkpoint)
    print(f'{len(state)} backbone tensors -> {args.output}')


if __name__ == '__main__':
    run_cli(main)
