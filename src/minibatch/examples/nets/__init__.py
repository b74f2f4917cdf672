"""The notebooks' own small nets (one or two parameters, seed 000's regression net).

Small enough to draw their loss landscapes (examples/figures/).
"""
