"""CPU cost per image of training data pipelines, per transform, and the
device cost per batch of the augmentations a data preprocessor runs.

    python tools/benchmarks/pipeline.py [CONFIG ...] [--images DIR]
        [--count 64] [--rounds 2] [--device cpu|cuda|none] [--device-iters 5]
        [--device-batch N]
        [--decoders cv2 pillow turbojpeg] [--out results/pipeline]

One process, one thread (torch and OpenCV): images/s per core. Without
``--images``, ``--count`` natural JPEGs of 500x375 (crops of scikit-learn's
sample photos) are written to a temporary folder. A config that augments on the
device (``DeviceAugDataPreprocessor``) is measured twice in the same run: with
its CPU fallback (``tools/train.py --cpu-augment``) and as it is. Default
configs: the MoCo-v2 and DeepCluster-v2 (multi-crop) ImageNet configs.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

import hexa_mm  # noqa: E402,F401  registers hexa_mm's modules
from hexa_mm.benchmarks.pipeline import (benchmark_config,  # noqa: E402
                                         find_images, format_markdown,
                                         measure_decoders, single_thread,
                                         write_natural_jpegs)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
DEFAULT_CONFIGS = [
    osp.join(ROOT, 'configs', 'mocov2_r50_200e.py'),
    osp.join(ROOT, 'configs', 'deepclusterv2_r50_800e.py'),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='*', default=DEFAULT_CONFIGS)
    parser.add_argument('--images', help='folder of images (recursive)')
    parser.add_argument('--count', type=int, default=64,
                        help='generated JPEGs when --images is not given')
    parser.add_argument('--rounds', type=int, default=2,
                        help='passes over the images per pipeline')
    parser.add_argument('--device', default='cpu',
                        help="where the data preprocessor is timed; 'none' "
                        'skips it')
    parser.add_argument('--device-iters', type=int, default=5)
    parser.add_argument('--device-batch', type=int,
                        help="the preprocessor's batch (default: the config's)")
    parser.add_argument('--decoders', nargs='*', default=[],
                        help="MMCV decoders to compare ('cv2', 'pillow', "
                        "'turbojpeg', 'tifffile')")
    parser.add_argument('--out', default='results/pipeline',
                        help='folder for pipeline.md and pipeline.json')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    single_thread()
    with tempfile.TemporaryDirectory() as tmp:
        paths = (find_images(args.images) if args.images else
                 write_natural_jpegs(tmp, args.count))
        decoders = measure_decoders(paths, args.decoders, args.rounds)
        device = None if args.device == 'none' else args.device
        results = [
            benchmark_config(c, paths, args.rounds, device, args.device_iters,
                             device_batch=args.device_batch)
            for c in args.configs
        ]
    text = format_markdown(results, decoders)
    print(text)
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'pipeline.md'), 'w') as f:
        f.write(text)
    with open(osp.join(args.out, 'pipeline.json'), 'w') as f:
        json.dump(dict(decoders=decoders, configs=results), f, indent=1)
    return results, decoders


if __name__ == '__main__':
    main()
