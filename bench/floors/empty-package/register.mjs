// Nothing: what resolving `--import empty-package/register` by name costs.
