import shutil
from pathlib import Path

import pytest

from hexa_mm.datasets import BadImageError, DigitsDataset

PIPELINE = [None, dict(type='PackSelfSupInputs', meta_keys=['img_path'])]


def corrupted_copy(digits_root, tmp_path):
    root = tmp_path / 'digits'
    shutil.copytree(digits_root, root)
    rel = (root / 'meta' / 'val.txt').read_text().splitlines()[2].split()[0]
    bad = root / 'val' / rel
    bad.write_bytes(b'\x89PNG not really')
    return root, bad


def dataset(root, on_error):
    pipeline = [dict(type='CheckedLoadImageFromFile', on_error=on_error),
                PIPELINE[1]]
    return DigitsDataset(str(root), 'val', pipeline=pipeline)


def test_a_corrupt_image_is_named_with_its_index(digits_root, tmp_path):
    root, bad = corrupted_copy(digits_root, tmp_path)
    ds = dataset(root, 'raise')
    ds[1]  # a good one loads
    with pytest.raises(BadImageError) as info:
        ds[2]
    assert str(bad) in str(info.value)
    assert 'sample 2' in str(info.value)


def test_skip_draws_another_sample_and_logs_the_file(digits_root, tmp_path,
                                                     monkeypatch):
    import hexa_mm.datasets.transforms.loading as loading
    logged = []
    monkeypatch.setattr(loading, 'print_log',
                        lambda msg, **kwargs: logged.append((msg, kwargs)))
    root, bad = corrupted_copy(digits_root, tmp_path)
    ds = dataset(root, 'skip')
    sample = ds[2]
    assert Path(sample['data_samples'].img_path) != bad
    (message, kwargs), = logged
    assert f'skipped unreadable image {bad} (sample 2)' in message
    assert '1 skipped by this process' in message
    assert kwargs['level'] == 30  # WARNING


def test_bad_option_is_named():
    from hexa_mm.datasets import CheckedLoadImageFromFile
    with pytest.raises(ValueError, match='on_error'):
        CheckedLoadImageFromFile(on_error='ignore')
