"""Blob stores: local disk (the embedded default) and S3 (boto3)."""
