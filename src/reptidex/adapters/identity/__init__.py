"""Identity's adapters: Argon2id hashing, JWT signing and verification, mail, rate limits, time."""
