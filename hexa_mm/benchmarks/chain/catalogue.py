"""The chain's suites: which downstream evaluations a pre-trained backbone
goes through, with which config."""
import copy
from dataclasses import dataclass
from typing import Dict, List, Optional

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


class ChainError(RuntimeError):
    """Bad input to the chain, or a step that failed."""


@dataclass
class Step:
    """One evaluation of the chain.

    Attributes:
        name: As given to ``--steps``.
        kind: ``'knn'``, ``'kshot'`` or ``'train'`` (tools/train.py, then
            tools/test.py on its last checkpoint).
        config: The downstream config of a ``'train'`` step, relative to the
            chain's root folder (the one that holds ``configs/``).
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


def _digits_steps() -> List[Step]:
    return _with_random(
        [
            Step('knn', 'knn'),
            Step('kshot', 'kshot'),
            Step('linear', 'train',
                 CLS_DIGITS + 'resnet18_linear-1xb64-steplr-200i_digits.py'),
            Step('semi-1pct', 'train',
                 CLS_DIGITS + 'resnet18_semi-1pct-1xb32-steplr-100i_digits.py'),
            Step('semi-10pct', 'train',
                 CLS_DIGITS + 'resnet18_semi-10pct-1xb32-steplr-200i_digits.py'),
            Step('det', 'train',
                 DET + 'digits/faster-rcnn_r18_digits-canvas.py',
                 detection=True, quick_eval_images=40),
        ],
        default_random=('knn', 'kshot', 'linear', 'det'))


def _imagenet_steps(algorithm: str,
                    linear_config: Optional[str]) -> List[Step]:
    if linear_config is None:
        if algorithm not in LINEAR_BY_ALGORITHM:
            raise ChainError(
                f'no ImageNet linear protocol is known for pre-training '
                f'algorithm {algorithm!r} (model.type); known: '
                f'{", ".join(sorted(LINEAR_BY_ALGORITHM))}; name one with '
                '--linear-config')
        linear_config = LINEAR_BY_ALGORITHM[algorithm]
    n = 64  # test images under --quick
    return [
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
        Step('coco-fpn', 'train', DET + 'coco/mask-rcnn_r50_fpn_ms-1x_coco.py',
             detection=True, quick_eval_images=n, default=False),
        Step('knn', 'knn', default=False),
    ]


def suite_steps(suite: str, algorithm: str,
                linear_config: Optional[str] = None) -> Dict[str, Step]:
    """The steps of ``suite`` by name, in running order."""
    if suite == 'digits':
        steps = _digits_steps()
    elif suite == 'imagenet':
        steps = _imagenet_steps(algorithm, linear_config)
    else:
        raise ChainError(f'unknown suite {suite!r}: digits or imagenet')
    return {step.name: step for step in steps}
