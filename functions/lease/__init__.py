"""The lease Lambda function (handler: app.lambda_handler)."""
