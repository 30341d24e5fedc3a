// Nothing: what resolving `-r empty-package/register` by name costs.
