import errno
import os
import stat

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


@pytest.fixture
def umask():
    """``umask(value)`` sets the process's umask until the test ends."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize('mask,mode', [(0o022, 0o644), (0o002, 0o664),
                                       (0o077, 0o600)],
                         ids=['umask022', 'umask002', 'umask077'])
def test_files_get_the_mode_of_a_new_file_under_the_umask(
        tmp_path, umask, mask, mode):
    """As torch.save or open(path, 'wb') would: a checkpoint that the group
    can read where the umask says so (mkstemp alone gives 0600)."""
    from mmengine.runner.checkpoint import save_checkpoint
    umask(mask)
    atomic_write_bytes(b'report', tmp_path / 'report.md')
    # MMEngine's own save, through the patched LocalBackend.put.
    save_checkpoint({'w': torch.ones(3)}, str(tmp_path / 'epoch_1.pth'))
    for name in ('report.md', 'epoch_1.pth'):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == mode, name
    # What a plain new file gets, for comparison.
    with open(tmp_path / 'plain', 'wb'):
        pass
    assert stat.S_IMODE(os.stat(tmp_path / 'plain').st_mode) == mode


def test_a_replaced_file_gets_a_new_files_mode(tmp_path, umask):
    """The rename makes a new file: the 0600 of a file written by an earlier
    version (or a chmod by hand) is not carried over."""
    umask(0o022)
    target = tmp_path / 'last_checkpoint'
    target.write_bytes(b'old')
    target.chmod(0o600)
    atomic_write_bytes(b'new', target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    assert target.read_bytes() == b'new'


def test_the_umask_is_read_without_changing_it(monkeypatch, umask):
    from hexa_mm.compat import atomic_io
    umask(0o027)
    if os.path.exists('/proc/self/status'):
        # Linux: read from /proc, os.umask never called (no window in which
        # another thread's new file would get a wrong mode).
        with monkeypatch.context() as m:
            m.setattr(os, 'umask', None)
            assert atomic_io.current_umask() == 0o027
    # Elsewhere (no /proc): set and set back.
    real_open = open

    def no_proc(path, *args, **kwargs):
        if str(path).startswith('/proc/'):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr('builtins.open', no_proc)
    assert atomic_io.current_umask() == 0o027
    monkeypatch.undo()
    assert umask(0o027) == 0o027  # unchanged by the reads


def fsync_recorder(monkeypatch, target):
    """Patches os.fsync; returns the list of (is a directory, target exists)
    of each call, in order."""
    calls = []
    real_fsync = os.fsync

    def recording(fd):
        calls.append((stat.S_ISDIR(os.fstat(fd).st_mode), target.exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', recording)
    return calls


def test_the_directory_is_synced_after_the_rename(tmp_path, monkeypatch):
    """Without it a power loss after the call may undo the rename."""
    target = tmp_path / 'sub' / 'epoch_1.pth'
    calls = fsync_recorder(monkeypatch, target)
    atomic_write_bytes(b'data', target)
    # The file's data before the rename, then its folder after it.
    assert calls == [(False, False), (True, True)]


@pytest.mark.parametrize('code', [errno.EINVAL, errno.ENOTSUP])
def test_a_directory_that_cannot_be_synced_is_skipped(tmp_path, monkeypatch,
                                                      code):
    target = tmp_path / 'epoch_1.pth'
    real_fsync = os.fsync

    def refuses_directories(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(code, os.strerror(code))
        real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', refuses_directories)
    atomic_write_bytes(b'data', target)
    assert target.read_bytes() == b'data'


def test_a_failing_directory_sync_is_reported(tmp_path, monkeypatch):
    """An I/O error is not a file system's limit: the caller must know that
    the file may not survive a crash."""
    real_fsync = os.fsync

    def io_error(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EIO, 'Input/output error')
        real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', io_error)
    with pytest.raises(OSError, match='Input/output error'):
        atomic_write_bytes(b'data', tmp_path / 'epoch_1.pth')


def test_no_directory_sync_where_directories_cannot_be_opened(
        tmp_path, monkeypatch):
    from hexa_mm.compat import atomic_io
    with monkeypatch.context() as m:
        m.setattr(os, 'name', 'nt')
        m.setattr(os, 'open', None)  # would fail if called
        atomic_io.fsync_directory(str(tmp_path))
