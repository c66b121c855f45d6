"""tools/train.py --amp: the config's optimizer wrapper becomes MMEngine's
AmpOptimWrapper (dynamic loss scale unless the config sets one), everything
else of the config unchanged, and takes a mixed-precision step; another
wrapper type is refused, by name."""
import os.path as osp

import pytest
import torch

from tool_runs import CONFIGS, tiny_digits_options, train_tool


def built_cfg(config, tmp_path, *extra):
    return train_tool.build_cfg(train_tool.parse_args(
        [osp.join(CONFIGS, config), '--work-dir', str(tmp_path), *extra]))


@pytest.mark.parametrize('config', ['hexa_moco_r18_digits.py',
                                    'hexa_dcluster_r50_800e.py'])
def test_amp_rewrites_only_the_optimizer_wrapper(config, tmp_path):
    plain = built_cfg(config, tmp_path)
    amp = built_cfg(config, tmp_path, '--amp')
    assert plain.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'
    assert 'loss_scale' not in plain.optim_wrapper
    assert amp.optim_wrapper.to_dict() == dict(
        plain.optim_wrapper.to_dict(), type='AmpOptimWrapper',
        loss_scale='dynamic')
    rest = {k: v for k, v in amp.to_dict().items() if k != 'optim_wrapper'}
    assert rest == {k: v for k, v in plain.to_dict().items()
                    if k != 'optim_wrapper'}


def test_amp_keeps_a_loss_scale_that_the_config_sets(tmp_path):
    amp = built_cfg('hexa_moco_r18_digits.py', tmp_path, '--amp',
                    '--cfg-options', 'optim_wrapper.loss_scale=512.0')
    assert amp.optim_wrapper.type == 'AmpOptimWrapper'
    assert amp.optim_wrapper.loss_scale == 512.0


def test_amp_refuses_another_wrapper_type_by_name(tmp_path):
    with pytest.raises(ValueError,
                       match="--amp needs optim_wrapper.type OptimWrapper or "
                       "AmpOptimWrapper, the config has 'ApexOptimWrapper'"):
        built_cfg('hexa_moco_r18_digits.py', tmp_path, '--amp',
                  '--cfg-options', 'optim_wrapper.type=ApexOptimWrapper')


def amp_step(config, tmp_path, *flags):
    """One training step of ``config`` (shrunk) through the optimizer
    wrapper that ``tools/train.py [flags]`` configures; the dtypes of the
    backbone stem's outputs in its forwards, the trainable weights before
    and after, and the logs."""
    from mmengine.optim import build_optim_wrapper
    from mmselfsup.registry import MODELS

    from conftest import uint8_batch
    cfg = built_cfg(config, tmp_path, *flags, '--cfg-options',
                    *tiny_digits_options('unused', config))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    dtypes = []
    model.backbone.conv1.register_forward_hook(
        lambda module, args, out: dtypes.append(out.dtype))
    params = {k: p for k, p in model.named_parameters() if p.requires_grad}
    before = {k: p.detach().clone() for k, p in params.items()}
    torch.manual_seed(1)
    logs = model.train_step(uint8_batch(n=8), wrapper)
    return wrapper, dtypes, before, params, logs


def test_amp_takes_a_bfloat16_step_on_cpu(tmp_path, monkeypatch):
    """--amp's wrapper, built as the Runner builds it, takes a real step on
    CPU: every forward of the backbone under bfloat16 autocast (CPU's AMP),
    float32 weights updated close to the float32 step."""
    import mmengine.optim.optimizer.amp_optimizer_wrapper as amp_wrapper

    # MMEngine refuses AmpOptimWrapper without an accelerator; torch's CPU
    # autocast needs none (its loss scaler then steps unscaled, as bfloat16
    # needs no scaling).
    monkeypatch.setattr(amp_wrapper, 'is_cuda_available', lambda: True)
    config = 'hexa_moco_r18_digits.py'
    wrapper, dtypes, before, params, logs = amp_step(config, tmp_path,
                                                     '--amp')
    assert type(wrapper).__name__ == 'AmpOptimWrapper'
    assert dtypes and set(dtypes) == {torch.bfloat16}, dtypes
    assert torch.isfinite(logs['loss'])
    _, fp32_dtypes, fp32_before, fp32_params, _ = amp_step(config, tmp_path)
    assert set(fp32_dtypes) == {torch.float32}
    assert len(dtypes) == len(fp32_dtypes)  # the same forwards
    step = torch.cat([(p.detach() - before[k]).flatten()
                      for k, p in params.items()])
    fp32_step = torch.cat([(p.detach() - fp32_before[k]).flatten()
                           for k, p in fp32_params.items()])
    assert all(p.dtype == torch.float32 for p in params.values())
    assert step.abs().max() > 0 and torch.isfinite(step).all()
    # bfloat16 keeps 8 bits of mantissa: through the 18 layers the step's
    # direction drifts (cosine 0.91 with the float32 step, seen on CPU;
    # unrelated steps: about 0), its size hardly.
    cosine = torch.nn.functional.cosine_similarity(step, fp32_step, dim=0)
    print(f'AMP step against the float32 step: cosine {cosine:.4f}, norms '
          f'{step.norm():.4g} / {fp32_step.norm():.4g}')
    assert cosine > 0.8
    assert step.norm() == pytest.approx(fp32_step.norm(), rel=0.1)
