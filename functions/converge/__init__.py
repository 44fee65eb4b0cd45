"""The converge Lambda function (handler: app.lambda_handler)."""
