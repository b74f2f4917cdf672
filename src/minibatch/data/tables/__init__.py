"""Your own table of numbers (`data=csv`): a CSV file read into in-memory tensors.

table_file.py reads it with one-sentence errors; csv_datamodule.py makes the splits.
"""
