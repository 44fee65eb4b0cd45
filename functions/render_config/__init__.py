"""The render_config Lambda function (handler: app.lambda_handler)."""
