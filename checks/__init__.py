"""Release checks run by hand (`make audit`, `make probe`), not part of `make test`."""
