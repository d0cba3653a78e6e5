"""The certificate lookup (電子証書の確認): a small function over a certificate store.

``lambda_verify.handler.handler`` is the Lambda entry point. The package imports only the standard
library and the project's kernel (``esurety.kernel``); boto3 is loaded only with the DynamoDB store.
"""
