"""User errors end in one line and exit status 2; crashes keep tracebacks."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from hexa_mm.datasets import BadImageError
from hexa_mm.utils import (USER_ERROR_STATUS, ConfigError,
                           MissingCheckpointError, UserError, run_cli)
from hexa_mm.utils.errors import (CLOSED_PIPE_STATUS, find_user_error,
                                  user_message)
from tool_runs import CONFIGS, ROOT, tiny_digits_options

TRAIN = osp.join(ROOT, 'tools', 'train.py')


def test_the_user_error_family():
    assert issubclass(ConfigError, UserError)
    assert issubclass(ConfigError, ValueError)  # existing handlers still match
    assert issubclass(BadImageError, UserError)
    assert issubclass(BadImageError, OSError)
    assert issubclass(MissingCheckpointError, FileNotFoundError)


def test_run_cli_prints_the_message_alone(monkeypatch, capsys):
    def main():
        raise ConfigError('model.w_advv is not a field of HEXAMoCo')

    monkeypatch.setattr(sys, 'argv', ['train.py', 'x.py'])
    with pytest.raises(SystemExit) as info:
        run_cli(main)
    assert info.value.code == USER_ERROR_STATUS != 1
    assert capsys.readouterr().err == (
        'train.py: error: model.w_advv is not a field of HEXAMoCo\n')


def test_run_cli_finds_a_user_error_behind_a_wrapper(monkeypatch, capsys):
    def main():
        try:
            raise MissingCheckpointError('checkpoint a.pth does not exist')
        except UserError as error:
            raise RuntimeError('while building the runner') from error

    monkeypatch.setattr(sys, 'argv', ['test.py'])
    with pytest.raises(SystemExit):
        run_cli(main)
    assert 'checkpoint a.pth does not exist' in capsys.readouterr().err


@pytest.mark.parametrize('debug', ['flag', 'env'])
def test_debug_keeps_the_traceback_and_takes_the_flag_off(
        debug, monkeypatch):
    seen = []

    def main():
        seen.append(list(sys.argv))
        raise ConfigError('bad key')

    monkeypatch.setattr(sys, 'argv', ['train.py', 'x.py'] +
                        (['--debug'] if debug == 'flag' else []))
    if debug == 'env':
        monkeypatch.setenv('HEXA_MM_DEBUG', '1')
    with pytest.raises(ConfigError):
        run_cli(main)
    assert seen == [['train.py', 'x.py']]


def test_a_crash_keeps_its_traceback(monkeypatch):
    def main():
        raise RuntimeError('a bug of the code')

    monkeypatch.setattr(sys, 'argv', ['train.py'])
    with pytest.raises(RuntimeError, match='a bug of the code'):
        run_cli(main)


def test_a_loader_workers_wrapping_is_taken_off():
    # What torch's ExceptionWrapper.reraise() builds in the main process.
    error = BadImageError(
        'Caught BadImageError in DataLoader worker process 0.\n'
        'Original Traceback (most recent call last):\n'
        '  File "x.py", line 1, in f\n'
        'hexa_mm.datasets.transforms.loading.BadImageError: cannot read '
        'image a.png (sample 2): boom\n')
    assert user_message(error) == 'cannot read image a.png (sample 2): boom'
    assert find_user_error(error) is error


def _tool(args, cwd, env=None):
    return subprocess.run([sys.executable] + args, cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**(os.environ if env is None else env),
                               'OMP_NUM_THREADS': '1'})


def _one_error_line(proc):
    """The tool's error line; the tool failed as a user error should."""
    assert proc.returncode == USER_ERROR_STATUS, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if ': error: ' in line]
    assert len(lines) == 1, proc.stderr[-3000:]
    assert proc.stderr.rstrip().splitlines()[-1] == lines[0]
    return lines[0]


def test_misspelled_config_field(tmp_path):
    args = [TRAIN, osp.join(CONFIGS, 'hexa_moco_r18_digits.py'),
            '--work-dir', str(tmp_path), '--cfg-options', 'model.w_advv=1']
    line = _one_error_line(_tool(args, tmp_path))
    assert line.startswith('train.py: error: model.w_advv is not a field of '
                           'HEXAMoCo (did you mean model.w_adv?)')
    debug = _tool(args + ['--debug'], tmp_path)
    assert debug.returncode == 1 and 'Traceback' in debug.stderr


def test_missing_checkpoint(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    line = _one_error_line(_tool([
        osp.join(ROOT, 'tools', 'test.py'),
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), missing, '--work-dir',
        str(tmp_path)
    ], tmp_path))
    assert line == f'test.py: error: checkpoint {missing} does not exist'
    line = _one_error_line(_tool([
        TRAIN, osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--work-dir',
        str(tmp_path), '--resume', missing], tmp_path))
    assert line == f'train.py: error: --resume: checkpoint {missing} not found'


@pytest.mark.parametrize('workers', [0, 2])
def test_corrupt_image(workers, tmp_path, digits_root):
    root = tmp_path / 'digits'
    shutil.copytree(digits_root, root)
    rel = (root / 'meta' / 'train.txt').read_text().splitlines()[0].split()[0]
    bad = root / 'train' / rel
    bad.write_bytes(b'\x89PNG not really')
    proc = _tool([
        TRAIN, osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *tiny_digits_options(
            str(root), **{'train_cfg.max_epochs': 1,
                          'train_dataloader.num_workers': workers,
                          'custom_hooks.2.enabled': False})
    ], tmp_path)
    line = _one_error_line(proc)
    assert line.startswith(f'train.py: error: cannot read image {bad} '
                           '(sample 0)'), line


@pytest.mark.parametrize('launched', [True, False])
def test_a_launched_rank_skips_interpreter_finalisation(launched, tmp_path):
    """gloo's exit abort (hexa_mm.compat.exit_launched_worker): a rank whose
    main() returned leaves before finalisation, its output flushed; a process
    that no launcher started finalises as usual."""
    script = tmp_path / 'tool.py'
    script.write_text(
        'import atexit, logging, sys\n'
        'from hexa_mm.utils import run_cli\n'
        "atexit.register(lambda: print(' finalised', end=''))\n"
        "logging.basicConfig(filename=sys.argv[1], level=logging.INFO)\n"
        'def main():\n'
        "    logging.getLogger('tool').info('saved')\n"
        "    print('done', end='')\n"
        'run_cli(main)\n')
    # Buffered stdout, as in a pipe to a file: the flush has to be done.
    env = {k: v for k, v in os.environ.items()
           if k not in ('WORLD_SIZE', 'PYTHONUNBUFFERED')}
    if launched:
        env['WORLD_SIZE'] = '2'
    log = tmp_path / 'tool.log'
    proc = _tool([str(script), str(log)], ROOT, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == ('done' if launched else 'done finalised')
    assert log.read_text() == 'INFO:tool:saved\n'


def test_a_reader_that_closes_the_pipe_ends_the_tool_quietly(tmp_path):
    """``tool | head``: the tool's output is cut, with no traceback (neither
    the write's nor the one of flushing stdout at exit) and a closed pipe's
    exit status; the file it wrote before is whole."""
    script = tmp_path / 'tool.py'
    script.write_text(
        'import sys\n'
        'from hexa_mm.utils import run_cli\n'
        'def main():\n'
        "    with open(sys.argv[1], 'w') as f:\n"
        "        f.write('saved')\n"
        '    for i in range(10 ** 6):\n'
        "        print(f'line {i}')\n"
        'run_cli(main)\n')
    written = tmp_path / 'written.txt'
    proc = subprocess.Popen([sys.executable, str(script), str(written)],
                            cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == 'line 0\n'
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=600) == CLOSED_PIPE_STATUS, stderr[-3000:]
    assert stderr == ''
    assert written.read_text() == 'saved'
