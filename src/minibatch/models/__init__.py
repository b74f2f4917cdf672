"""Plain nn.Module nets and the LightningModule that trains them for a task."""
