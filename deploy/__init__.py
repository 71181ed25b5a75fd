"""Running Tilannekuva as several processes: the proxy configuration and local servers for tests and `make load`."""
