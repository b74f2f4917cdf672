"""LightningDataModules for every dataset of the teaching notebooks."""
