"""tools/benchmarks/attack_strength.py: each attack's hardness on one
trained model, from a baseline's checkpoint."""
import json

import pytest
import torch
from mmengine.config import Config

from mmselfsup.registry import MODELS
from tool_runs import CONFIGS, load_tool

from hexa_mm.benchmarks.attack_strength import attack_strength, markdown
from hexa_mm.utils.errors import MissingCheckpointError, UserError

tool = load_tool('benchmarks/attack_strength')


def options(digits_root):
    """The digits recipe on 2 batches of 8 digits, a queue of 64 keys."""
    return {'train_dataloader.dataset.data_root': digits_root,
            'train_dataloader.dataset.indices': 16,
            'train_dataloader.batch_size': 8,
            'model.queue_len': 64}


def checkpoint_of(config, digits_root, path):
    """A baseline's checkpoint, as its Runner writes it (state_dict)."""
    cfg = Config.fromfile(f'{CONFIGS}/{config}_r18_digits.py')
    cfg.merge_from_dict(options(digits_root))
    if 'deepcluster' in config:
        cfg.model.pop('queue_len')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


def test_stronger_attacks_are_harder_on_the_same_model(digits_root, tmp_path,
                                                        capsys, monkeypatch):
    # The default config is the checkout's digits HEXA-MoCo one, the default
    # report goes under the current directory.
    monkeypatch.chdir(tmp_path)
    ckpt = checkpoint_of('mocov2', digits_root, tmp_path / 'mocov2.pth')
    argv = [ckpt, '--eps', '1', '32', '--steps', '1', '3', '--batches', '2',
            '--cfg-options'] + [
                f'{k}={v}' for k, v in options(digits_root).items()]
    rows = tool.main(argv)
    assert [(r['eps'] * 255, r['steps']) for r in rows] == [
        pytest.approx((1, 1)), pytest.approx((1, 3)),
        pytest.approx((32, 1)), pytest.approx((32, 3))]
    assert all(set(r) == {'eps', 'steps', 'adv_ratio', 'mix_ratio'}
               for r in rows)
    for row in rows:
        # The attack raises the loss of the views it starts from; the mixed
        # examples' loss exceeds what their soft targets allow.
        assert row['adv_ratio'] > 1 and row['mix_ratio'] > 0
    assert rows[2]['adv_ratio'] > rows[0]['adv_ratio']
    assert rows[3]['adv_ratio'] > rows[1]['adv_ratio']
    printed = capsys.readouterr().out
    assert (f"| 32 | 3 | {rows[3]['adv_ratio']:.3f} | "
            f"{rows[3]['mix_ratio']:.3f} |") in printed
    saved = json.loads(
        (tmp_path / 'results' / 'attack_strength.json').read_text())
    assert saved['rows'] == rows
    assert saved['settings']['config'] == f'{CONFIGS}/hexa_moco_r18_digits.py'
    assert (tmp_path / 'results' / 'attack_strength.md').read_text() in printed


def test_a_seed_gives_the_same_figures_twice(digits_root, tmp_path):
    """The batches' random crops come from numpy's generator: seeding torch
    alone gave other batches, and other figures, on every run."""
    ckpt = checkpoint_of('mocov2', digits_root, tmp_path / 'mocov2.pth')
    config = f'{CONFIGS}/hexa_moco_r18_digits.py'
    runs = [attack_strength(ckpt, config, [dict(eps=8 / 255)],
                            options(digits_root), batches=2)
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_a_cutmix_only_config_is_attacked_too(digits_root, tmp_path):
    """Its zero w_adv would switch the attack off: the figures do not depend
    on the weights, so the attack is measured all the same."""
    ckpt = checkpoint_of('mocov2', digits_root, tmp_path / 'mocov2.pth')
    row, = attack_strength(ckpt, f'{CONFIGS}/hexa_moco_cutmix_r18_digits.py',
                           [dict(eps=8 / 255, steps=2)], options(digits_root),
                           batches=1)
    assert row['steps'] == 2 and row['adv_ratio'] > 1
    assert row['mix_ratio'] > 0
    # Without cut-mixed examples there is no mix_ratio to report.
    row, = attack_strength(ckpt, f'{CONFIGS}/hexa_moco_r18_digits.py',
                           [dict(eps=8 / 255)],
                           dict(options(digits_root), **{'model.w_mix': 0}),
                           batches=1)
    assert row['adv_ratio'] > 1 and row['mix_ratio'] is None
    assert markdown([row]).endswith(f"| {row['adv_ratio']:.3f} | - |")


def test_a_checkpoint_that_does_not_fit_is_named(digits_root, tmp_path):
    ckpt = checkpoint_of('deepclusterv2', digits_root, tmp_path / 'dc.pth')
    attack = [dict(eps=2 / 255)]
    opts = options(digits_root)
    with pytest.raises(UserError, match='dc.pth does not fit HEXAMoCo'):
        attack_strength(ckpt, f'{CONFIGS}/hexa_moco_r18_digits.py', attack,
                        opts, batches=1)
    with pytest.raises(MissingCheckpointError, match='nothing.pth'):
        attack_strength(str(tmp_path / 'nothing.pth'),
                        f'{CONFIGS}/hexa_moco_r18_digits.py', attack, opts,
                        batches=1)
