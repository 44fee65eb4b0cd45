"""Tests of the embedded AWS compatibility layer: Step Functions, Lambda, EventBridge."""
