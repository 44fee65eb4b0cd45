"""The config_bootstrap Lambda function (handler: app.lambda_handler)."""
