"""One LightningDataModule per notebook dataset."""
