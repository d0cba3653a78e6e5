"""The certificate lookup (電子証書の確認): a small function over a certificate store.

``lambda_verify.handler.handler`` is the Lambda entry point. The package imports nothing heavy on
its own: boto3 is loaded only with the DynamoDB store and Jinja2 only when HTML is rendered.
"""
