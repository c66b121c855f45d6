import os

import pytest
import torch

from hexa_mm.utils import atomic_write_bytes


def test_complete_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / 'ckpt.pth'
    atomic_write_bytes(b'new', target)
    assert target.read_bytes() == b'new'
    assert os.listdir(tmp_path) == ['ckpt.pth']


def test_a_write_killed_midway_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_2.pth'
    target.write_bytes(b'previous, complete')

    def killed(fd):
        raise KeyboardInterrupt  # the bytes are written, not yet renamed

    monkeypatch.setattr(os, 'fsync', killed)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(b'x' * 10_000, target)
    assert target.read_bytes() == b'previous, complete'
    assert os.listdir(tmp_path) == ['epoch_2.pth']


def test_mmengine_checkpoint_killed_while_saving_keeps_the_old_one(
        tmp_path, monkeypatch):
    """hexa_mm.compat routes MMEngine's checkpoint writes through the atomic writer."""
    from mmengine.runner.checkpoint import save_checkpoint
    target = str(tmp_path / 'epoch_1.pth')
    save_checkpoint({'w': torch.ones(3)}, target)

    def killed(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, 'fsync', killed)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({'w': torch.zeros(3)}, target)
    monkeypatch.undo()
    assert torch.load(target)['w'].sum() == 3
    assert os.listdir(tmp_path) == ['epoch_1.pth']
