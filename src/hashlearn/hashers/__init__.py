"""Classic hashing methods, one scikit-learn estimator per file (numpy/scipy only)."""
