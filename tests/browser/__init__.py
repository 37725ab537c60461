"""Browser tests of the built book (run by `make browser-test`, not by `make test`)."""
