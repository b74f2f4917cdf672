"""One LightningDataModule per notebook dataset.

Each extends a core DataModule: the in-memory base, or data=csv's for Boston.
"""
