"""The HTTP gateway: the only process that faces the network."""
