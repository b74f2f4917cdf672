"""Your own table of numbers (`data=csv`): a CSV file read into in-memory tensors."""
