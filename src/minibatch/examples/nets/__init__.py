"""The notebooks' own small nets (one or two parameters, seed 000's regression net)."""
