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
configs: the MoCo-v2 and DeepCluster-v2 (multi-crop) ImageNet configs of the
checkout that holds this tool.
"""
import argparse
import os.path as osp

from hexa_mm.benchmarks.pipeline import pipeline_report

#: The configs of the checkout that holds this tool (tools/benchmarks/).
CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')
DEFAULT_CONFIGS = [
    osp.join(CONFIGS, 'mocov2_r50_200e.py'),
    osp.join(CONFIGS, 'deepclusterv2_r50_800e.py'),
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
    return pipeline_report(parse_args(argv))


if __name__ == '__main__':
    main()
