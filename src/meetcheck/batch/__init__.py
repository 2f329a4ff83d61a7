"""meetcheck batch: a secretariat checks every speaker of a roster, tracks them, and chases the rest."""
