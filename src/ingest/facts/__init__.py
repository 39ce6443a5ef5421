"""Rules about facts that extraction, the offline backend, the report verifier and search share: the
number normaliser, institution names, the topic taxonomy. Pure functions over text; no I/O beyond
the package's own data files."""
