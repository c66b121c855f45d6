# DeepCluster-v2's lr schedule (SwAV's main_deepclusterv2.py): a linear warm-up
# over 10 epochs, then a cosine to peak / 1000, by iteration. MMEngine reads a
# base before the config that inherits it, so a base cannot follow the config's
# max_epochs: the schedule is here once per length, and a config picks its own:
#     param_scheduler = {{_base_.deepclusterv2_schedules.e800}}
warmup_epochs = 10
# SwAV's warm-up starts at 0.3 of the peak 4.8.
warmup_scheduler = dict(
    type='LinearLR',
    start_factor=0.3 / 4.8,
    by_epoch=True,
    begin=0,
    end=warmup_epochs,
    convert_to_iter_based=True)
deepclusterv2_schedules = {
    f'e{epochs}': [
        warmup_scheduler,
        # ... and its cosine ends at final_lr 0.0048 = peak / 1000. A ratio,
        # not an lr: auto_scale_lr (other batch sizes) scales the peak, and
        # the final lr must follow it.
        dict(
            type='CosineAnnealingLR',
            T_max=epochs - warmup_epochs,
            eta_min_ratio=1e-3,
            by_epoch=True,
            begin=warmup_epochs,
            end=epochs,
            convert_to_iter_based=True)
    ]
    for epochs in (200, 800)
}
