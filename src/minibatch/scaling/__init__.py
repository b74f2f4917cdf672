"""How training changes with the batch size: callbacks that measure the gradient noise scale
(the batch size past which a larger batch stops saving steps) and move the learning rate with
the batch size. Seam: a run adds them by config name (callbacks=noise_scale, lr_scaling)."""
