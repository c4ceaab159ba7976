"""The live demo behind `make run`: the service, the endpoint simulator over about sixty real
regions, a scripted scenario that shows every cause within a minute, and a local webhook
receiver that verifies and prints each delivery. On with PANTAU_DEMO=true or `--demo`.

    regions.py   which regions, and the part each plays          (pure)
    scenario.py  the story as timed steps                        (pure data)
    runner.py    plays the steps against the simulator and the API
    provision.py idempotent services and subscription, through the API
    receiver.py  the verifying webhook receiver
    launch.py    everything in one event loop; Ctrl-C stops it all
"""
