"""Core of the citizen-service assistant: config, NLU client, dispatcher, channels."""
