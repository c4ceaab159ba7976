"""What the tests share besides row and payload builders (those are in tests/factories.py):
waiting on conditions, real processes and loopback peers, the app's route catalogue."""
