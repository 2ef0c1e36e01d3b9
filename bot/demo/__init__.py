"""Demo data for the sandbox: registries made up deterministically, never real people."""
