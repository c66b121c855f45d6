"""One test per accessor of hexa_mm.compat.private_api: each fails when the
upstream member it reads or writes changes (compat.CHECKED_AGAINST names the
versions they were checked against)."""
import numpy as np
import pytest
import torch
from torch import nn

from hexa_mm import compat


def test_the_checked_versions_are_the_installed_ones():
    """A new version of the stack: check every accessor below against it,
    then update CHECKED_AGAINST."""
    from importlib import metadata
    for dist, version in compat.CHECKED_AGAINST.items():
        assert metadata.version(dist).split('+')[0] == version, dist


def test_run_forward_unpacks_a_batch_as_mmengine_does():
    from mmengine.model import BaseModel

    class Echo(BaseModel):

        def forward(self, inputs, data_samples=None, mode='tensor',
                    extra=None):
            return inputs, data_samples, mode, extra

    model = Echo()
    for data in (dict(inputs=1, data_samples=2), (1, 2), [1, 2], (1, )):
        assert compat.run_forward(model, data, 'loss') == \
            model._run_forward(data, 'loss')
    assert compat.run_forward(model, (1, 2), 'loss', extra=3) == (1, 2,
                                                                  'loss', 3)
    for run in (model._run_forward, lambda data, mode: compat.run_forward(
            model, data, mode)):
        with pytest.raises(TypeError):
            run(1, 'loss')


def test_backward_uncounted_makes_two_passes_one_accumulation_step():
    """With accumulative_counts=2, a step of two backward passes (the first
    uncounted) steps the optimizer every second step, as one-pass steps do."""
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 4)
    x = torch.randn(4, 3)
    initial = model.weight.detach().clone()
    weights = []
    for _ in range(2):
        compat.backward_uncounted(wrapper, model(x).sum())
        wrapper.update_params(model(x).pow(2).sum())
        weights.append(model.weight.detach().clone())
    assert torch.equal(weights[0], initial)  # first step: accumulated only
    assert not torch.equal(weights[1], initial)


def test_runner_resumes_reads_the_runners_resume_flag(tmp_path):
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(1, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            return self.layer(inputs)

    for resume in (True, False):
        runner = Runner(model=Toy(), work_dir=str(tmp_path / str(resume)),
                        resume=resume, experiment_name=f'resume_{resume}')
        assert compat.runner_resumes(runner) is resume


def test_normalizes_reads_whether_the_preprocessor_normalises():
    from mmengine.model import ImgDataPreprocessor
    from mmselfsup.models.utils import SelfSupDataPreprocessor
    assert compat.normalizes(ImgDataPreprocessor(mean=[1, 2, 3],
                                                 std=[1, 1, 1]))
    assert compat.normalizes(SelfSupDataPreprocessor(mean=[1, 2, 3],
                                                     std=[1, 1, 1]))
    assert not compat.normalizes(ImgDataPreprocessor())
    assert not compat.normalizes(None)


def test_set_metainfo_changes_what_the_dataset_reports():
    from mmengine.dataset import BaseDataset
    dataset = BaseDataset(ann_file='', metainfo=dict(dataset_type='VOC'),
                          lazy_init=True)
    compat.set_metainfo(dataset, 'dataset_type', None)
    assert dataset.metainfo['dataset_type'] is None


def test_mmpretrains_cutmix_box_draws_from_numpys_global_state_only():
    """What CutMixGenerator relies on: under numpy_global_random_state(rng)
    the box depends on rng alone, and the global state is left alone."""
    from mmpretrain.models.utils.batch_augments import CutMix
    box = CutMix(alpha=1.0, correct_lam=True)

    def draw(seed):
        with compat.numpy_global_random_state(np.random.RandomState(seed)):
            return box.cutmix_bbox_and_lam((16, 16), 0.5)

    first = draw(0)
    np.random.seed(1)
    expected_global = np.random.random()
    np.random.seed(2)
    assert draw(0) == first  # another global state, the same box
    np.random.seed(1)
    draw(0)
    assert np.random.random() == expected_global  # global state untouched
    assert any(draw(seed) != first for seed in range(1, 10))


def test_batch_norm_base_is_every_batch_norm_and_nothing_else():
    base = compat.batch_norm_base()
    for cls in (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d,
                nn.SyncBatchNorm):
        assert issubclass(cls, base), cls
    for cls in (nn.InstanceNorm2d, nn.LayerNorm, nn.GroupNorm):
        assert not issubclass(cls, base), cls


def test_check_batch_norm_input_refuses_the_wrong_rank():
    bn = nn.BatchNorm2d(3)
    compat.check_batch_norm_input(bn, torch.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match='4D'):
        compat.check_batch_norm_input(bn, torch.zeros(2, 3, 4))


def test_torchvision_hsv_conversions_match_the_public_adjust_hue():
    from torchvision.transforms.v2.functional import adjust_hue
    rgb_to_hsv, hsv_to_rgb = compat.torchvision_hsv_conversions()
    x = torch.rand(2, 3, 5, 5, generator=torch.Generator().manual_seed(0))
    hsv = rgb_to_hsv(x)
    hsv[:, 0] = (hsv[:, 0] + 0.25) % 1.0
    torch.testing.assert_close(hsv_to_rgb(hsv), adjust_hue(x, 0.25),
                               atol=1e-5, rtol=1e-5)


def test_torch_dispatch_mode_sees_every_aten_call():
    seen = []

    class Record(compat.torch_dispatch_mode()):

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.append(func.overloadpacket)
            return func(*args, **(kwargs or {}))

    with Record():
        torch.ones(2, 2) @ torch.ones(2, 2)
    assert torch.ops.aten.mm in seen


def test_shut_down_loader_workers_stops_persistent_workers_now():
    loader = torch.utils.data.DataLoader(
        list(range(4)), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    workers = list(loader._iterator._workers)
    assert all(w.is_alive() for w in workers)
    compat.shut_down_loader_workers(loader)
    assert not any(w.is_alive() for w in workers)
    assert all(w.exitcode == 0 for w in workers)  # stopped, not killed
    # The next epoch starts new workers.
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    assert loader._iterator._workers[0] not in workers
    compat.shut_down_loader_workers(loader)
    compat.shut_down_loader_workers(loader)  # nothing left to stop
