"""Files that are either complete or absent: :func:`atomic_write_bytes`.

It lives at the ground floor, in :mod:`hexa_mm.compat.atomic_io`, because
compat's work-around for MMEngine's in-place checkpoint writes uses it too.
"""
from ..compat.atomic_io import atomic_write_bytes

__all__ = ['atomic_write_bytes']
