"""Deep hashing methods (torch): BDNN, HashNet, DHN, their losses and training loops."""
