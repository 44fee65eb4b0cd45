"""The client_prefix_lists Lambda function (handler: app.lambda_handler)."""
