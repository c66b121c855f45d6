import numpy as np
import pytest
from mmengine.registry import DefaultScope

from hexa_mm.datasets import LabelSubset, class_balanced_indices
from mmpretrain.registry import DATASETS


def test_class_balanced_indices_are_balanced_and_deterministic():
    labels = np.repeat(np.arange(4), [10, 20, 30, 40])
    idx = class_balanced_indices(labels, fraction=0.1, seed=3)
    assert np.bincount(labels[idx]).tolist() == [1, 2, 3, 4]
    assert np.array_equal(idx, class_balanced_indices(labels, fraction=0.1,
                                                      seed=3))
    assert not np.array_equal(idx, class_balanced_indices(labels, fraction=0.1,
                                                          seed=4))
    shots = class_balanced_indices(labels, per_class=5, seed=0)
    assert np.bincount(labels[shots]).tolist() == [5] * 4
    # A tiny fraction still keeps one image of every class.
    assert np.bincount(labels[class_balanced_indices(
        labels, fraction=0.001)]).tolist() == [1] * 4


@pytest.mark.parametrize('kwargs, match', [
    (dict(), 'exactly one'),
    (dict(fraction=0.1, per_class=2), 'exactly one'),
    (dict(fraction=1.5), 'fraction=1.5'),
    (dict(per_class=11), 'class 0 has only 10'),
])
def test_class_balanced_indices_name_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        class_balanced_indices(np.repeat(np.arange(2), 10), **kwargs)


def _digits(digits_root):
    return dict(type='DigitsDataset', data_root=str(digits_root),
                split='train')


def test_subset_file_selects_the_listed_images(digits_root, tmp_path):
    listed = ['0000.png', '0019.png']
    path = tmp_path / '1percent.txt'
    path.write_text('\n'.join(listed) + '\n\n')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        # The configs' default fraction gives way to the list.
        subset = DATASETS.build(
            dict(type='LabelSubset', dataset=_digits(digits_root),
                 subset_file=str(path), fraction=0.01))
    assert isinstance(subset, LabelSubset)
    names = sorted(subset.get_data_info(i)['img_path'].rsplit('/', 1)[1]
                   for i in range(len(subset)))
    assert names == listed
    assert subset.metainfo['classes'][0] == '0'


def test_subset_file_with_unknown_images_is_refused(digits_root, tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text('0000.png\nn01440764_10026.JPEG\n')
    with DefaultScope.overwrite_default_scope('mmpretrain'), \
            pytest.raises(ValueError, match=r'1 of 2 listed .*n01440764_10026'):
        DATASETS.build(dict(type='LabelSubset', dataset=_digits(digits_root),
                            subset_file=str(path)))
    with pytest.raises(FileNotFoundError, match='nowhere.txt'):
        LabelSubset(_digits(digits_root), subset_file=str(tmp_path /
                                                          'nowhere.txt'))
