"""Understanding a message: the client of the Rasa NLU server (its own process, reached over HTTP).

    normalise     the text as NLU reads it (full-width, traditional characters, spacing)
    identifiers   ID, phone and application numbers swapped for stand-ins before NLU sees them
    client        NluClient.parse(): normalise, mask, cache (Redis), spread over the servers
"""
