"""How training changes with the batch size: the gradient noise scale, which predicts the
batch size past which a larger batch stops saving steps, and the rules that move the
learning rate with the batch size."""
