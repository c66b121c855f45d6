"""Files that are either complete or absent, readable like any other file."""
import errno
import os
import os.path as osp
import tempfile
from typing import Union

#: Errors of ``fsync`` on a directory from file systems that cannot sync one
#: (some network and FUSE file systems): the rename is done, nothing to undo.
_DIR_FSYNC_UNSUPPORTED = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


def current_umask() -> int:
    """The process's umask, read without changing it.

    Linux shows it in ``/proc/self/status`` (``Umask:``, since 4.7). Elsewhere
    it can only be read by setting it and setting it back; in between, a file
    that another thread creates gets ``0o077`` (owner only), the safe side.
    """
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o077)
    os.umask(old)
    return old


def new_file_mode() -> int:
    """The permission bits ``open(path, 'w')`` gives a file it creates."""
    return 0o666 & ~current_umask()


def fsync_directory(folder: str) -> None:
    """Make a rename inside ``folder`` durable: without it, a power loss soon
    after ``os.replace`` may bring back the old directory entry (or none).

    Skipped where a directory cannot be opened (Windows) or synced.
    """
    if os.name == 'nt':
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in _DIR_FSYNC_UNSUPPORTED:
            raise
    finally:
        os.close(fd)


def atomic_write_bytes(data: bytes, path: Union[str, os.PathLike]) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A process killed while writing leaves the previous file (or none) and a
    stray ``.*.tmp`` beside it, never a truncated ``path``. The data and then
    the directory entry are synced to disk, so a completed call survives a
    power loss.

    The file gets the mode of a newly created file, ``0o666 & ~umask``
    (0644 under umask 022, 0664 under 002), as ``torch.save`` or
    ``open(path, 'wb')`` give a file that did not exist: ``mkstemp``'s 0600
    would hide checkpoints from the group on a shared cluster. The rename
    makes ``path`` a new file even when one existed, so a mode set on the old
    one by hand is not carried over (carrying it over would also keep the
    0600 of files written before this fix forever, e.g. ``last_checkpoint``).
    """
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            # Opened up only once complete (others never read half a file),
            # before the fsync that makes the mode durable with the data.
            if hasattr(os, 'fchmod'):
                os.fchmod(f.fileno(), new_file_mode())
            else:  # Windows before Python 3.13
                os.chmod(tmp, new_file_mode())
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_directory(folder)
