"""The ways to run the whole product in one process: the demo, local, in-process."""
