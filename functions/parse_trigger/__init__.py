"""The parse_trigger Lambda function (handler: app.lambda_handler)."""
