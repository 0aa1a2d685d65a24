"""Batch work: many images with one recipe, resumable, locally or on a Ray cluster (`brushwork batch`)."""
