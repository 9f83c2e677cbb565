"""Province-scale benchmark and load test (make bench, make load); not part of the test suite."""
