import importlib

import pytest

from hexa_mm import compat


def test_all_openmmlab_libraries_import_together():
    for name in ('mmcv.ops', 'mmcls.models', 'mmselfsup.models',
                 'mmpretrain.models', 'mmdet.models', 'hexa_mm'):
        importlib.import_module(name)
    from mmcv.ops import nms, RoIAlign  # noqa: F401  compiled ops for mmdet


def test_installed_stack_passes_the_version_check():
    assert compat.find_version_problems() == []


def test_version_check_reports_every_mismatch_in_one_message():
    fake = {
        'torch': '2.14.1+cu130',
        'mmengine': '0.10.7',
        'mmcv': '2.1.0',
        'mmcls': '1.0.0rc6',
        'mmselfsup': None,
        'numpy': '2.1.0',
        'mmpretrain': '1.2.0',
        'mmdet': None,  # optional: absent is fine
    }
    with pytest.raises(compat.IncompatibleStackError) as info:
        compat.check_versions(fake.get)
    message = str(info.value)
    assert 'mmengine: found 0.10.7, need >=0.11.0rc3' in message
    assert 'torch.load' in message  # says why
    assert 'mmcv: found 2.1.0, need >=2.0.0,<2.1.0' in message
    assert 'mmselfsup: not installed' in message
    assert 'numpy: found 2.1.0, need <2' in message
    assert '  - torch' not in message  # 2.14.1+cu130 is fine
    assert '  - mmdet' not in message and '  - mmcls' not in message
    assert len(message.strip().split('\n  - ')) == 1 + 4


def test_registry_location_workaround_lets_mmselfsup_build_loops():
    from mmselfsup.registry import LOOPS, RUNNERS
    assert 'mmselfsup.engine.runner' not in LOOPS._locations
    assert LOOPS.get('EpochBasedTrainLoop') is not None
    assert RUNNERS.get('Runner') is not None


def test_res_layer_extra_norm_is_registered_once_in_mmdet():
    from mmdet.registry import MODELS
    cls = MODELS.get('ResLayerExtraNorm')
    assert cls is not None
    assert cls.__module__.startswith('mmselfsup')


def test_no_other_module_patches_upstream_registries():
    """Work-arounds live in compat.py only."""
    import pathlib
    root = pathlib.Path(compat.__file__).parent
    offenders = [
        str(p) for p in root.rglob('*.py')
        if p.name != 'compat.py' and ('_module_dict' in p.read_text()
                                      or '_locations' in p.read_text())
    ]
    assert offenders == []


def test_hexa_mm_modules_are_in_mmselfsup_registries():
    from mmselfsup.registry import DATASETS, MODELS
    for name in ('HEXAMoCo', 'AdversarialGenerator', 'CutMixGenerator',
                 'SoftContrastiveHead'):
        assert MODELS.get(name) is not None, name
    assert DATASETS.get('DigitsDataset') is not None


def test_runner_builds_a_dataloader_from_a_cross_package_config(digits_root):
    """mmselfsup:: bases put _scope_ into collate_fn; the Runner must cope."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from conftest import ROOT
    cfg = Config.fromfile(f'{ROOT}/configs/mocov2_r18_digits.py')
    loader_cfg = cfg.train_dataloader
    assert loader_cfg.collate_fn.get('_scope_') == 'mmselfsup'
    loader_cfg.dataset.data_root = digits_root
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    loader_cfg.batch_size = 4
    batch = next(iter(Runner.build_dataloader(loader_cfg.to_dict(), seed=0)))
    assert len(batch['inputs']) == 2 and batch['inputs'][0].shape[0] == 4
