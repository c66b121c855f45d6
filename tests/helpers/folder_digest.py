"""One hash of a folder's file names and bytes: two exports are the same."""
import hashlib
from pathlib import Path


def folder_digest(root) -> str:
    """SHA-256 over every file below ``root``: relative path, then bytes."""
    h = hashlib.sha256()
    for p in sorted(Path(root).rglob('*')):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()
