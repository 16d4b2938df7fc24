"""Channels: each turns a wire format into `Incoming` and renders replies back."""
