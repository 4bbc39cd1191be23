"""The package stage: the ledger and a profile's specs become one neutral document model."""
