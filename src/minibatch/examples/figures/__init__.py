"""The notebooks' batch-size lessons drawn from real runs (matplotlib, PNG and SVG).

One module per figure, each a function that trains or reads what it needs, saves
`<out>.png` and `<out>.svg`, and returns the data it drew (the tests check that data):

- `loss_curves`: loss versus epoch for every run of a sweep, read from its event files
  (seed 004: one big batch versus mini-batches).
- `batch_losses`: the loss over w on the whole `linear` set and on many random batches
  (seed 000: the smaller the batch, the noisier its loss).
- `sine_escape`: the `sine` loss and its local minima, with the path of w during training
  for full batch and batches of 128, 32 and 8 (seed 000: small batches escape).
- `perceptron_paths`: w and b of the perceptron after every step for full batch,
  sequential and shuffled batches (seed 001: the sequential batches' oscillation).
- `loss_surfaces`: the perceptron's loss over a (w, b) grid for the whole set and for three
  mini-batches (seed 001).

`trajectory.ParameterTrajectory` records the parameters after every optimizer step of a
real Trainer run; `tensorboard_image.LossLandscapeImage` draws a run's path on its loss
landscape into TensorBoard's IMAGES tab (the `linear`, `sine` and `logistic` recipes add
it). Nothing here uses pyplot: figures are `matplotlib.figure.Figure`s drawn by Agg, so no
global backend is changed and nothing opens a window.
"""
