"""tools/{dist,slurm}_{train,test}.sh hand their arguments over as MMSelfSup
1.0.0's scripts do: GPUS positional for dist_*, from the environment for
slurm_*, every other argument to the Python tool unchanged.

``srun`` and the interpreter are fakes that record their arguments: what is
checked is the command line each script builds. One test runs dist_train.sh
for real with PORT=0 (tests/test_tools/test_train.py runs it with a port).
"""
import glob
import json
import os
import os.path as osp
import stat
import subprocess
import sys

import pytest

from tool_runs import CONFIGS, ROOT, run_tool, tiny_digits_options

TOOLS = osp.join(ROOT, 'tools')
TRAIN = osp.join(TOOLS, 'train.py')
TEST = osp.join(TOOLS, 'test.py')
SCRIPTS = ('dist_train.sh', 'dist_test.sh', 'slurm_train.sh', 'slurm_test.sh')

#: Records its argv ($0 first) NUL-separated, and the PYTHONPATH it got.
RECORDER = """#!/bin/sh
printf '%s\\0' "$0" "$@" > "$RECORD"
printf '%s' "${PYTHONPATH-}" > "$RECORD.pythonpath"
"""
#: Launch variables a developer's shell may have set: each test sets its own.
LAUNCH_ENV = ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK', 'SRUN_ARGS', 'NNODES',
              'NODE_RANK', 'PORT', 'MASTER_ADDR', 'PY_ARGS', 'PYTHON')


@pytest.fixture
def launch(tmp_path):
    """``launch(script, *args, **env)`` runs ``tools/<script>`` with a fake
    ``srun`` first on PATH and a fake interpreter as PYTHON; returns the
    finished process, the argv the fake got (None if not called) and the
    PYTHONPATH it saw."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name in ('srun', 'fake-python'):
        fake = bin_dir / name
        fake.write_text(RECORDER)
        fake.chmod(0o755)
    record = tmp_path / 'argv'

    def run(script, *args, **env):
        base = {k: v for k, v in os.environ.items() if k not in LAUNCH_ENV}
        base.update(
            PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}',
            PYTHON=str(bin_dir / 'fake-python'),
            PYTHONPATH='/elsewhere',
            RECORD=str(record))
        base.update(env)
        if record.exists():
            record.unlink()
        proc = subprocess.run(['bash', osp.join(TOOLS, script), *args],
                              cwd=tmp_path, env=base, capture_output=True,
                              text=True, timeout=60)
        if not record.exists():
            return proc, None, None
        argv = record.read_text().split('\0')[:-1]
        pythonpath = (tmp_path / 'argv.pythonpath').read_text()
        return proc, argv, pythonpath

    return run


@pytest.mark.parametrize('script', SCRIPTS)
def test_scripts_are_executable(script):
    assert os.stat(osp.join(TOOLS, script)).st_mode & stat.S_IXUSR


def test_slurm_train_takes_gpus_from_the_environment_and_passes_the_rest(
        launch):
    proc, argv, pythonpath = launch(
        'slurm_train.sh', 'gpu', 'hexa', 'cfg.py', '--work-dir', 'd',
        '--cfg-options', 'a=1', 'model.name=with space', GPUS='16')
    assert proc.returncode == 0, proc.stderr
    assert osp.basename(argv[0]) == 'srun'
    assert argv[1:9] == [
        '-p', 'gpu', '--job-name=hexa', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=5', '--kill-on-bad-exit=1'
    ]
    assert osp.basename(argv[9]) == 'fake-python'
    assert argv[10:] == [
        '-u', TRAIN, 'cfg.py', '--launcher=slurm', '--work-dir', 'd',
        '--cfg-options', 'a=1', 'model.name=with space'
    ]
    assert pythonpath == f'{ROOT}{os.pathsep}/elsewhere'


def test_slurm_train_defaults_and_srun_options(launch):
    # MMSelfSup's defaults: 8 tasks, 8 a node, 5 CPUs a task.
    proc, argv, _ = launch('slurm_train.sh', 'p', 'j', 'cfg.py')
    assert proc.returncode == 0, proc.stderr
    assert argv[4:8] == ['--gres=gpu:8', '--ntasks=8', '--ntasks-per-node=8',
                         '--cpus-per-task=5']
    assert argv[-2:] == ['cfg.py', '--launcher=slurm']
    # Under 8 GPUs, one node of GPUS; SRUN_ARGS split into srun's options.
    proc, argv, _ = launch('slurm_train.sh', 'p', 'j', 'cfg.py', '--amp',
                           GPUS='2', CPUS_PER_TASK='3',
                           SRUN_ARGS='--quotatype=auto  -w node1')
    assert proc.returncode == 0, proc.stderr
    assert argv[4:12] == [
        '--gres=gpu:2', '--ntasks=2', '--ntasks-per-node=2',
        '--cpus-per-task=3', '--kill-on-bad-exit=1', '--quotatype=auto', '-w',
        'node1'
    ]
    assert osp.basename(argv[12]) == 'fake-python'
    assert argv[13:] == ['-u', TRAIN, 'cfg.py', '--launcher=slurm', '--amp']
    proc, argv, _ = launch('slurm_train.sh', 'p', 'j', 'cfg.py',
                           GPUS='16', GPUS_PER_NODE='4')
    assert argv[4:7] == ['--gres=gpu:4', '--ntasks=16', '--ntasks-per-node=4']


def test_slurm_test_passes_config_checkpoint_and_the_rest(launch):
    proc, argv, pythonpath = launch(
        'slurm_test.sh', 'gpu', 'eval', 'cfg.py', 'epoch_1.pth',
        '--out-metrics', 'm.json', GPUS='4')
    assert proc.returncode == 0, proc.stderr
    assert argv[1:8] == [
        '-p', 'gpu', '--job-name=eval', '--gres=gpu:4', '--ntasks=4',
        '--ntasks-per-node=4', '--cpus-per-task=5'
    ]
    assert argv[10:] == [
        '-u', TEST, 'cfg.py', 'epoch_1.pth', '--launcher=slurm',
        '--out-metrics', 'm.json'
    ]
    assert pythonpath.startswith(ROOT + os.pathsep)


@pytest.mark.parametrize('script,args,message', [
    ('slurm_train.sh', ['p', 'j'], 'usage: '),
    ('slurm_test.sh', ['p', 'j', 'cfg.py'], 'usage: '),
    # hexa_mm's old slurm_train.sh took the GPU count 4th.
    ('slurm_train.sh', ['p', 'j', 'cfg.py', '16', '--work-dir', 'd'],
     "the 4th argument '16' looks like a GPU count: pass it as GPUS=16"),
    ('slurm_test.sh', ['p', 'j', 'cfg.py', 'c.pth', '8'],
     "the 5th argument '8' looks like a GPU count: pass it as GPUS=8"),
    ('dist_train.sh', ['cfg.py'], 'usage: '),
    ('dist_train.sh', ['cfg.py', 'eight'], "GPUS must be an integer >= 1, "
     "got 'eight'"),
    ('dist_test.sh', ['cfg.py', 'c.pth'], 'usage: '),
    ('dist_test.sh', ['cfg.py', 'c.pth', '0'], "GPUS must be an integer >= 1, "
     "got '0'"),
])
def test_bad_arguments_stop_before_launching(launch, script, args, message):
    proc, argv, _ = launch(script, *args)
    assert proc.returncode == 2
    assert argv is None
    assert f'{script}: {message}' in proc.stderr


@pytest.mark.parametrize('script,env,message', [
    ('slurm_train.sh', dict(GPUS='many'), "GPUS must be an integer >= 1, "
     "got 'many'"),
    ('dist_train.sh', dict(PORT='http'), "PORT must be an integer >= 0, "
     "got 'http'"),
    ('dist_train.sh', dict(PORT='0', NNODES='2'),
     'PORT=0 (a free port picked by torchrun --standalone) works on one node '
     'only; NNODES=2'),
])
def test_bad_environment_stops_before_launching(launch, script, env, message):
    args = ['p', 'j', 'cfg.py'] if script.startswith('slurm') else ['c.py', '2']
    proc, argv, _ = launch(script, *args, **env)
    assert proc.returncode == 2
    assert argv is None
    assert f'{script}: {message}' in proc.stderr


def torchrun_argv(argv):
    """The fake interpreter's argv without itself and ``-m torch...run``."""
    assert osp.basename(argv[0]) == 'fake-python'
    assert argv[1:3] == ['-m', 'torch.distributed.run']
    return argv[3:]


def test_dist_train_takes_config_and_gpus_and_passes_the_rest(launch):
    proc, argv, pythonpath = launch('dist_train.sh', 'cfg.py', '2',
                                    '--work-dir', 'd', '--cfg-options',
                                    'a=1', 'b=x y')
    assert proc.returncode == 0, proc.stderr
    assert torchrun_argv(argv) == [
        '--nnodes=1', '--node_rank=0', '--master_addr=127.0.0.1',
        '--master_port=29500', '--nproc_per_node=2', TRAIN, 'cfg.py',
        '--launcher', 'pytorch', '--work-dir', 'd', '--cfg-options', 'a=1',
        'b=x y'
    ]
    assert pythonpath == f'{ROOT}{os.pathsep}/elsewhere'


def test_dist_train_multi_node_from_the_environment(launch):
    proc, argv, _ = launch('dist_train.sh', 'cfg.py', '8', NNODES='2',
                           NODE_RANK='1', MASTER_ADDR='10.0.0.5',
                           PORT='29600')
    assert proc.returncode == 0, proc.stderr
    assert torchrun_argv(argv)[:5] == [
        '--nnodes=2', '--node_rank=1', '--master_addr=10.0.0.5',
        '--master_port=29600', '--nproc_per_node=8'
    ]


@pytest.mark.parametrize('script,args,tool', [
    ('dist_train.sh', ['cfg.py', '2', '--resume'], [TRAIN, 'cfg.py']),
    ('dist_test.sh', ['cfg.py', 'c.pth', '2', '--resume'],
     [TEST, 'cfg.py', 'c.pth']),
])
def test_port_zero_lets_torchrun_pick_a_free_port(launch, script, args, tool):
    proc, argv, _ = launch(script, *args, PORT='0')
    assert proc.returncode == 0, proc.stderr
    assert torchrun_argv(argv) == [
        '--standalone', '--nproc_per_node=2', *tool, '--launcher', 'pytorch',
        '--resume'
    ]


def test_dist_test_takes_config_checkpoint_gpus_and_passes_the_rest(launch):
    proc, argv, pythonpath = launch('dist_test.sh', 'cfg.py', 'epoch_1.pth',
                                    '4', '--out-metrics', 'm.json',
                                    PORT='29700')
    assert proc.returncode == 0, proc.stderr
    assert torchrun_argv(argv) == [
        '--nnodes=1', '--node_rank=0', '--master_addr=127.0.0.1',
        '--master_port=29700', '--nproc_per_node=4', TEST, 'cfg.py',
        'epoch_1.pth', '--launcher', 'pytorch', '--out-metrics', 'm.json'
    ]
    assert pythonpath.startswith(ROOT + os.pathsep)


def test_port_zero_trains_on_two_gloo_processes(tmp_path, digits_root):
    """torchrun --standalone picks the port; under umask 002 the checkpoints
    are group-writable, as a file the shell creates (not mkstemp's 0600)."""
    work_dir = tmp_path / 'work'
    options = tiny_digits_options(digits_root, 'mocov2',
                                  **{'train_cfg.max_epochs': 1})
    run_tool([
        'bash', '-c', 'umask 002 && exec bash "$0" "$@"',
        osp.join(TOOLS, 'dist_train.sh'),
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), '2', '--work-dir',
        str(work_dir), '--cfg-options', *options
    ], cwd=tmp_path, env={'PYTHON': sys.executable, 'PORT': '0'})
    (scalars, ) = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    with open(scalars) as f:
        losses = [json.loads(line) for line in f if '"loss"' in line]
    assert len(losses) == 2  # 32 images, 8 a batch, over 2 processes
    for name in ('epoch_1.pth', 'last_checkpoint'):
        mode = stat.S_IMODE(os.stat(work_dir / name).st_mode)
        assert mode == 0o664, (name, oct(mode))
