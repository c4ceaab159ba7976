"""The live stream behind SSE: one poller per process reads new transitions and fans them
out to every open stream."""
