"""The interop suite: Chorus against independent fediverse software (see interop/README.md)."""
