"""The discover Lambda function (handler: app.lambda_handler)."""
