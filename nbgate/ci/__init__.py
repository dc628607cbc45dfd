"""``nbgate ci``'s parts that stand alone: the smoke run through pytest and its progress feed."""
