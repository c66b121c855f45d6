"""Where a config's view augmentations run: the device (the ImageNet
pre-training configs' default) or, on request, the CPU pipeline."""
from typing import List

from mmengine.config import Config, ConfigDict

DEVICE_PREPROCESSOR = 'DeviceAugDataPreprocessor'
#: The device-augmentation configs' faster CPU transforms, and MMSelfSup's
#: that the CPU pipeline gets back (the same arguments, and these).
CPU_FALLBACKS = {
    'TorchRandomResizedCrop': dict(type='RandomResizedCrop', backend='pillow')
}


def _short(type_name) -> str:
    return str(type_name).split('.')[-1]


def _multi_view_step(cfg: Config) -> ConfigDict:
    dataset = cfg.train_dataloader.dataset
    while 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset.dataset  # dataset wrappers
    steps = [
        step for step in dataset.get('pipeline', [])
        if _short(step.get('type')) == 'MultiView'
    ]
    if len(steps) != 1:
        raise ValueError(
            f'train_dataloader.dataset.pipeline has {len(steps)} MultiView '
            'steps; moving the view augmentations to the CPU needs exactly one')
    return steps[0]


def _cpu_transforms(view_augments) -> List[dict]:
    """The CPU transform configs that the batch augmentations
    ``view_augments`` (configs) replace, in order
    (``BaseBatchAugment.cpu_transform``); built by name in the registry, as
    utils imports no model."""
    from mmselfsup.registry import MODELS
    return [MODELS.build(aug).cpu_transform() for aug in view_augments]


def uses_device_augment(cfg: Config) -> bool:
    """Whether the model's data preprocessor augments the views."""
    preprocessor = cfg.get('model', {}).get('data_preprocessor') or {}
    return _short(preprocessor.get('type')) == DEVICE_PREPROCESSOR


def cpu_augment_config(cfg: Config) -> Config:
    """Bring back the CPU pipeline of a config whose views are augmented on
    the device (what ``tools/train.py --cpu-augment`` does).

    The crops go back to MMSelfSup's (``CPU_FALLBACKS``), and each group of
    the ``DeviceAugDataPreprocessor``'s ``view_augments`` is
    turned into the CPU transforms it replaces (``BaseBatchAugment.
    cpu_transform``) and appended to the matching ``transforms`` list of the
    pipeline's ``MultiView``; the model gets MMSelfSup's
    ``SelfSupDataPreprocessor`` with the same normalisation. ``cfg`` is
    changed in place and returned.

    Raises:
        ValueError: the config does not augment on the device, or its
            ``MultiView`` does not have the preprocessor's view groups.
    """
    if not uses_device_augment(cfg):
        raise ValueError(
            'cpu_augment_config: model.data_preprocessor.type is not '
            f'{DEVICE_PREPROCESSOR}: the views are augmented on the CPU already')
    preprocessor = cfg.model.data_preprocessor
    multi_view = _multi_view_step(cfg)
    num_views = preprocessor.num_views
    num_views = [num_views] if isinstance(num_views, int) else list(num_views)
    pipe_views = multi_view.num_views
    pipe_views = [pipe_views] if isinstance(pipe_views, int) else list(
        pipe_views)
    if pipe_views != num_views or len(multi_view.transforms) != len(
            preprocessor.view_augments):
        raise ValueError(
            f'cpu_augment_config: the pipeline\'s MultiView has num_views='
            f'{pipe_views} and {len(multi_view.transforms)} transform groups, '
            f'model.data_preprocessor has num_views={num_views} and '
            f'{len(preprocessor.view_augments)} view_augments groups')
    groups: List[list] = []
    for transforms, augments in zip(multi_view.transforms,
                                    preprocessor.view_augments):
        crops = [
            ConfigDict(dict(t, **CPU_FALLBACKS[_short(t.get('type'))]))
            if _short(t.get('type')) in CPU_FALLBACKS else t
            for t in transforms
        ]
        groups.append(crops + _cpu_transforms(augments))
    multi_view.transforms = groups
    kept = {
        key: value
        for key, value in preprocessor.items()
        if key not in ('type', 'num_views', 'view_augments', 'seed')
    }
    cfg.model.data_preprocessor = ConfigDict(
        type='SelfSupDataPreprocessor', **kept)
    return cfg
