"""The sync_dns Lambda function (handler: app.lambda_handler)."""
