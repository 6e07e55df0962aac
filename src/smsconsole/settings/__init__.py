"""Where the settings come from: the config file, the environment, the data directories."""
