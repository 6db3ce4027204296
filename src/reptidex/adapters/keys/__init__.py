"""Key management: integration secrets sealed with a local AES-GCM key or by AWS KMS."""
