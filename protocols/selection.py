# Selection: which HEXA settings go to a report. Each family's candidates,
# against its baseline, on the embedded digits and shapes only (the textures
# are held out), on selection seeds that no report uses:
# - the paper's design with our attack values (configs/hexa_*_r18_*.py);
# - cut-mixed examples only (configs/hexa_*_cutmix_r18_*.py), at 1.75x /
#   2.0x the baseline's FLOPs;
# - cut-mixed examples in place of half of the clean views
#   (mix_mode='replace'), at the baseline's FLOPs: the fraction, 0.5, is fixed
#   here before any run.
kind = 'selection'
datasets = ['digits', 'shapes']
seeds = [100, 101, 102, 103, 104]
random_backbone = '../configs/mocov2_r18_{dataset}.py'
_in_place = {
    'model.w_clean': 1.,
    'model.w_adv': 0.,
    'model.w_mix': 1.,
    'model.mix_mode': 'replace',
    'model.replace_fraction': 0.5
}
methods = dict(
    mocov2=dict(config='../configs/mocov2_r18_{dataset}.py', label='MoCo-v2'),
    hexa_moco=dict(
        config='../configs/hexa_moco_r18_{dataset}.py',
        baseline='mocov2',
        label='HEXA-MoCo'),
    hexa_moco_cutmix=dict(
        config='../configs/hexa_moco_cutmix_r18_{dataset}.py',
        baseline='mocov2',
        label='HEXA-MoCo, cut-mix only'),
    hexa_moco_in_place=dict(
        config='../configs/hexa_moco_r18_{dataset}.py',
        cfg_options=_in_place,
        baseline='mocov2',
        label='HEXA-MoCo, cut-mix in place'),
    deepclusterv2=dict(
        config='../configs/deepclusterv2_r18_{dataset}.py',
        label='DeepCluster-v2'),
    hexa_dcluster=dict(
        config='../configs/hexa_dcluster_r18_{dataset}.py',
        baseline='deepclusterv2',
        label='HEXA-DCluster'),
    hexa_dcluster_cutmix=dict(
        config='../configs/hexa_dcluster_cutmix_r18_{dataset}.py',
        baseline='deepclusterv2',
        label='HEXA-DCluster, cut-mix only'),
    hexa_dcluster_in_place=dict(
        config='../configs/hexa_dcluster_r18_{dataset}.py',
        cfg_options=_in_place,
        baseline='deepclusterv2',
        label='HEXA-DCluster, cut-mix in place'),
)
decision = (
    'Per family, the report runs the paper\'s design and the candidate with '
    'the largest mean paired gain over the baseline, averaged over both '
    'probes and both sets, if that gain is positive on each set; of two '
    'candidates within 0.5 point of each other, the cheaper.')
