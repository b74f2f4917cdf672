"""The notebooks' batch-size lessons drawn from real runs (matplotlib, PNG and SVG).

One module per figure, each returning the data it drew (the tests check it); figures are
drawn by Agg without pyplot, so no global backend changes and nothing opens a window.
"""
