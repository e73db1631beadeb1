"""The conversation's plumbing between channels, the gateway and Rasa: vault, inbox, handoffs, Rasa client."""
