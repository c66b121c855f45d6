"""Errors of the user's input, and how the command-line tools report them.

A misspelled config key, a missing checkpoint or an unreadable image is not a
bug of the code: its traceback helps nobody, its message does. Exceptions of
the :class:`UserError` family carry such a message (naming the key, file or
value at fault); :func:`run_cli`, which every tool's ``__main__`` calls, prints
that message alone and exits with :data:`USER_ERROR_STATUS`. Every other
exception, a failure of the code, keeps its traceback (exit status 1, as
Python's). ``--debug`` on any tool's command line, or ``HEXA_MM_DEBUG=1`` in
the environment, shows the traceback of a user error too.
"""
import os
import sys
from typing import Callable, Optional

from ..compat import (apply_conveniences, exit_launched_worker,
                      launched_worker)

#: Exit status of a user error: argparse's for a bad command line, distinct
#: from 1, what Python exits with on an uncaught exception (a crash).
USER_ERROR_STATUS = 2
#: Exit status when the reader of stdout left (``tool | head``): a shell's
#: for a process ended by SIGPIPE, which Python ignores for its own handling.
CLOSED_PIPE_STATUS = 128 + 13
DEBUG_FLAG = '--debug'
DEBUG_ENV = 'HEXA_MM_DEBUG'


class UserError(Exception):
    """Bad input from the user: a config, a file, a value. The message alone
    says what is wrong and where."""


class MissingCheckpointError(UserError, FileNotFoundError):
    """A checkpoint named on the command line or in a config does not exist."""


def user_message(error: BaseException) -> str:
    """The message of ``error`` without what wrapped it on the way up.

    A PyTorch DataLoader worker re-raises its exception in the main process
    as the same type, with the worker's traceback as the message
    (``Caught X in DataLoader worker process 0.\\nOriginal Traceback ...``);
    its last line is the original ``module.X: message``.
    """
    text = str(error)
    if text.startswith('Caught ') and '\nOriginal Traceback' in text:
        last = text.rstrip().splitlines()[-1]
        name = type(error).__name__
        for prefix in (f'{type(error).__module__}.{name}: ', f'{name}: '):
            if last.startswith(prefix):
                return last[len(prefix):]
        return last
    return text


def find_user_error(error: BaseException) -> Optional[UserError]:
    """``error`` or the first :class:`UserError` it was raised from."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, UserError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def run_cli(main: Callable[[], object], prog: Optional[str] = None) -> None:
    """Run a tool's ``main()`` the way its user should see it.

    Takes ``--debug`` off ``sys.argv`` (so no tool parses it), calls ``main``
    and, for a :class:`UserError` (also one that another exception was raised
    from), prints ``<prog>: error: <message>`` to stderr and exits with
    :data:`USER_ERROR_STATUS`. With ``--debug`` or ``HEXA_MM_DEBUG=1``, or for
    any other exception, the exception propagates with its traceback. A rank
    of a distributed launch whose ``main`` returned ends without interpreter
    finalisation (:func:`hexa_mm.compat.exit_launched_worker`: gloo's exit bug).
    First it switches on the tools' conveniences
    (:func:`hexa_mm.compat.apply_conveniences`: DDP launched on CPUs, quick
    starts and exits). A reader that closed stdout early (``tool | head``)
    ends the tool quietly with :data:`CLOSED_PIPE_STATUS`, as it ends a
    shell command; the files it wrote before stay as written.
    """
    apply_conveniences()
    debug = DEBUG_FLAG in sys.argv[1:] or os.environ.get(
        DEBUG_ENV, '') not in ('', '0')
    sys.argv[1:] = [a for a in sys.argv[1:] if a != DEBUG_FLAG]
    prog = prog or os.path.basename(sys.argv[0])
    try:
        main()
    except BrokenPipeError:
        _leave_closed_pipe()
    except Exception as error:  # noqa: BLE001  re-raised unless a UserError
        found = find_user_error(error)
        if debug or found is None:
            raise
        print(f'{prog}: error: {user_message(found)}', file=sys.stderr)
        sys.exit(USER_ERROR_STATUS)
    if launched_worker():
        exit_launched_worker()


def _leave_closed_pipe() -> None:
    """Exit without the traceback, and without the second one that flushing
    the dead stdout at exit would print (Python's documented recipe, see
    the ``signal`` module's note on SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(CLOSED_PIPE_STATUS)
