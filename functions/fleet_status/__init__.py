"""The fleet_status Lambda function (handler: app.lambda_handler)."""
