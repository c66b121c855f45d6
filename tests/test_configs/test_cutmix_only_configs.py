"""Every cut-mix-only config is its paper's-design counterpart with the
adversarial term off and nothing else changed, weighted by the convention of
both families: equal weights that sum to 1 over the terms that train."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from tool_runs import CONFIGS

CUTMIX_ONLY = sorted(
    osp.relpath(path, CONFIGS)
    for path in glob.glob(osp.join(CONFIGS, '**', 'hexa_*_cutmix_*.py'),
                          recursive=True))


def flat(tree, prefix=''):
    """``{'model.w_adv': 0.0, ...}`` for every leaf of a config."""
    if isinstance(tree, dict):
        leaves = {}
        for key, value in tree.items():
            leaves.update(flat(value, f'{prefix}{key}.'))
        return leaves
    if isinstance(tree, (list, tuple)):
        leaves = {}
        for i, value in enumerate(tree):
            leaves.update(flat(value, f'{prefix}{i}.'))
        return leaves
    return {prefix[:-1]: tree}


def test_every_family_and_recipe_has_cutmix_only_configs():
    assert {'hexa_moco_cutmix_r50_200e.py', 'hexa_dcluster_cutmix_r50_200e.py',
            'hexa_moco_cutmix_r50_1xb256_200e.py',
            'hexa_dcluster_cutmix_r50_1xb256_200e.py',
            'hexa_moco_cutmix_r18_textures.py',
            'hexa_dcluster_cutmix_r18_textures.py'} <= set(CUTMIX_ONLY)


@pytest.mark.parametrize('config', CUTMIX_ONLY)
def test_cutmix_only_is_the_paper_design_without_the_adversarial_term(
        config):
    counterpart = config.replace('_cutmix', '')
    ours = flat(Config.fromfile(osp.join(CONFIGS, config)).to_dict())
    paper = flat(Config.fromfile(osp.join(CONFIGS, counterpart)).to_dict())
    changed = {key for key in ours.keys() | paper.keys()
               if ours.get(key, '<absent>') != paper.get(key, '<absent>')}
    assert changed == {'model.w_clean', 'model.w_adv', 'model.w_mix'}
    assert paper['model.w_clean'] == paper['model.w_mix'] == pytest.approx(
        paper['model.w_adv']) == pytest.approx(1 / 3)
    assert (ours['model.w_clean'], ours['model.w_adv'],
            ours['model.w_mix']) == (0.5, 0., 0.5)
